"""A converted dataset described in Croissant (JSON-LD), in the shape the Hub's dataset
viewer gives it: the refs/convert/parquet tree as a FileObject, a FileSet of each config's
shards, and a RecordSet per config whose fields come from the `datasets` features; a
ClassLabel column references a RecordSet of its class names (an enumeration)."""

import re

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
# `datasets` Value dtypes as Croissant data types (the Hub viewer's table).
VALUE_TYPES = {
    "bool": "sc:Boolean",
    "string": "sc:Text",
    "large_string": "sc:Text",
    "binary": "sc:Text",
    "date32": "sc:Date",
    "date64": "sc:Date",
    "timestamp[s]": "sc:Date",
    "timestamp[ms]": "sc:Date",
    "timestamp[us]": "sc:Date",
    "timestamp[ns]": "sc:Date",
    **{f"int{n}": f"cr:Int{n}" for n in (8, 16, 32, 64)},
    **{f"uint{n}": f"cr:UInt{n}" for n in (8, 16, 32, 64)},
    "float16": "cr:Float16",
    "float32": "cr:Float32",
    "float64": "cr:Float64",
}
MEDIA_TYPES = {"Image": "sc:ImageObject", "Audio": "sc:AudioObject"}


def _id(name: str, taken: set[str]) -> str:
    """A unique @id: `/` separates ids in Croissant, so other characters become `_`."""
    escaped = re.sub(r"[^a-zA-Z0-9\-_.]", "_", name)
    while escaped in taken:
        escaped += "_0"
    taken.add(escaped)
    return escaped


def _source(file_set: str, column: str, json_path: str | None = None) -> dict:
    source = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    if json_path:
        source["transform"] = {"jsonPath": json_path}
    return source


def _field(field_id: str, file_set: str, column: str, feature: object) -> dict | None:
    """The column's Field, or None for a feature Croissant has no type for here."""
    if not isinstance(feature, dict):
        return None
    kind = feature.get("_type")
    if kind == "Value" and feature.get("dtype") in VALUE_TYPES:
        data_type = VALUE_TYPES[feature["dtype"]]
        return {"@type": "cr:Field", "@id": field_id, "dataType": data_type,
                "source": _source(file_set, column)}  # fmt: skip
    if kind in MEDIA_TYPES:
        return {"@type": "cr:Field", "@id": field_id, "dataType": MEDIA_TYPES[kind],
                "source": _source(file_set, column, "bytes")}  # fmt: skip
    if kind == "ClassLabel":
        return {"@type": "cr:Field", "@id": field_id, "dataType": "sc:Integer",
                "source": _source(file_set, column)}  # fmt: skip
    return None


def _labels_record_set(record_set: str, column: str, names: list[str], taken: set[str]) -> dict:
    """A ClassLabel's names as an enumeration: one record (index, name) per class."""
    labels = _id(f"{record_set}_{column}_labels", taken)
    return {
        "@type": "cr:RecordSet", "@id": labels, "name": labels, "dataType": "sc:Enumeration",
        "description": f"The class names of column '{column}' of {record_set}.",
        "key": {"@id": f"{labels}/index"},
        "field": [
            {"@type": "cr:Field", "@id": f"{labels}/index", "dataType": "sc:Integer"},
            {"@type": "cr:Field", "@id": f"{labels}/name", "dataType": "sc:Text"},
        ],
        "data": [{f"{labels}/index": i, f"{labels}/name": n} for i, n in enumerate(names)],
    }  # fmt: skip


def _splits_record_set(record_set: str, splits: list[str]) -> dict:
    name = f"{record_set}_splits"
    return {
        "@type": "cr:RecordSet", "@id": name, "name": name, "dataType": "cr:Split",
        "description": f"Splits for the {record_set} config.",
        "key": {"@id": f"{name}/split_name"},
        "field": [{"@type": "cr:Field", "@id": f"{name}/split_name", "dataType": "sc:Text"}],
        "data": [{f"{name}/split_name": split} for split in splits],
    }  # fmt: skip


def _config_record_sets(
    dataset: str, config: str, splits: list[str], features: dict, taken: set[str]
) -> tuple[dict, list[dict]]:
    """The config's FileSet and its record sets (splits, class names, rows)."""
    file_set = _id(f"parquet-files-for-config-{config}", taken)
    distribution = {"@type": "cr:FileSet", "@id": file_set, "name": file_set,
                    "containedIn": {"@id": "repo"}, "encodingFormat": "application/x-parquet",
                    "includes": f"{config}/*/*.parquet"}  # fmt: skip
    record_set = _id(config if config != dataset else f"record_set_{config}", taken)
    splits_set = _splits_record_set(record_set, splits)
    taken.add(splits_set["@id"])
    pattern = "|".join(re.escape(s) for s in splits)
    fields = [{
        "@type": "cr:Field", "@id": f"{record_set}/split", "dataType": "sc:Text",
        "source": {"fileSet": {"@id": file_set}, "extract": {"fileProperty": "fullpath"},
                   "transform": {"regex": f"{re.escape(config)}/({pattern})/.+parquet$"}},
        "references": {"field": {"@id": f"{splits_set['@id']}/split_name"}},
    }]  # fmt: skip
    extra, skipped, columns = [splits_set], [], set()
    for column, feature in features.items():
        field = _field(f"{record_set}/{_id(column, columns)}", file_set, column, feature)
        if field is None:
            skipped.append(column)
            continue
        if feature.get("_type") == "ClassLabel":
            labels = _labels_record_set(record_set, column, feature.get("names", []), taken)
            field["references"] = {"field": {"@id": f"{labels['@id']}/index"}}
            extra.append(labels)
        fields.append(field)
    description = f"{dataset} - '{config}' subset"
    if skipped:
        description += f"\n\nAdditional information:\n- skipped columns: {', '.join(skipped)}"
    rows = {"@type": "cr:RecordSet", "@id": record_set, "name": record_set,
            "description": description, "field": fields}  # fmt: skip
    return distribution, [*extra, rows]


def croissant_of(*, dataset: str, url: str, tree_url: str, license_: str, splits: list[dict],
                 features: dict[str, dict]) -> dict:  # fmt: skip
    """The Croissant document of `dataset` (namespace/name), whose page is `url` and whose
    converted files are browsed at `tree_url`, from its conversion's splits and features."""
    taken = {"repo"}
    distribution = [{
        "@type": "cr:FileObject", "@id": "repo", "name": "repo",
        "description": "The Hugging Face git repository.", "contentUrl": tree_url,
        "encodingFormat": "git+https", "sha256": "https://github.com/mlcommons/croissant/issues/80",
    }]  # fmt: skip
    record_sets = []
    for config, config_features in features.items():
        names = [s["split"] for s in splits if s["config"] == config]
        file_set, sets = _config_record_sets(dataset, config, names, config_features, taken)
        distribution.append(file_set)
        record_sets.extend(sets)
    document = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": _id(dataset, set()), "description": f"{dataset} dataset",
        "url": url, "distribution": distribution, "recordSet": record_sets,
    }  # fmt: skip
    if license_:
        document["license"] = license_
    return document
