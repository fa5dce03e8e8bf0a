"""The Hub's SQL-like `where` and `orderby` of /filter, parsed by a strict grammar into DuckDB
SQL whose identifiers are the split's own columns (quoted) and whose values are bound
parameters: no text of the caller's ever reaches the SQL itself.

    where   := or ; or := and ("OR" and)* ; and := not ("AND" not)*
    not     := "NOT" not | "(" or ")" | column rest
    rest    := op value | "IS" ["NOT"] "NULL" | ["NOT"] "IN" "(" value ("," value)* ")"
               | ["NOT"] ("LIKE" | "ILIKE") string
    orderby := column ["ASC" | "DESC"] ("," column ["ASC" | "DESC"])*
"""

import re
from dataclasses import dataclass, field

from registry import errors

MAX_WHERE_CHARS = 5000
_TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")+")
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<op><>|!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "IN", "LIKE", "ILIKE", "TRUE", "FALSE", "ASC",
             "DESC"}  # fmt: skip


class FilterError(errors.BadRequest):
    code = "InvalidParameter"


def quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            raise FilterError(f"Cannot parse the filter near: {text[position : position + 20]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "keyword", value.upper()
        tokens.append((kind, value))
        position = match.end()
    return tokens


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    columns: list[str]
    params: list = field(default_factory=list)
    at: int = 0
    start: int = 0  # placeholders already taken by the rest of the query

    def peek(self, *values: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] in values

    def take(self, *values: str) -> str:
        if not self.peek(*values):
            found = self.tokens[self.at][1] if self.at < len(self.tokens) else "the end"
            raise FilterError(f"Expected {' or '.join(values)}, found {found!r}")
        self.at += 1
        return self.tokens[self.at - 1][1]

    def done(self) -> None:
        if self.at != len(self.tokens):
            raise FilterError(f"Unexpected {self.tokens[self.at][1]!r} in the filter")

    def column(self) -> str:
        if self.at >= len(self.tokens):
            raise FilterError("Expected a column name")
        kind, value = self.tokens[self.at]
        name = value[1:-1].replace('""', '"') if kind == "quoted" else value
        if kind not in ("quoted", "word") or name not in self.columns:
            raise FilterError(f"Unknown column: {name!r}")
        self.at += 1
        return quote(name)

    def value(self) -> str:
        if self.at >= len(self.tokens):
            raise FilterError("Expected a value")
        kind, raw = self.tokens[self.at]
        self.at += 1
        if kind == "string":
            self.params.append(raw[1:-1].replace("''", "'"))
        elif kind == "number":
            self.params.append(float(raw) if re.search(r"[.eE]", raw) else int(raw))
        elif raw in ("TRUE", "FALSE"):
            self.params.append(raw == "TRUE")
        else:
            raise FilterError(f"Expected a value, found {raw!r}")
        return f"${self.start + len(self.params)}"

    def or_(self) -> str:
        parts = [self.and_()]
        while self.peek("OR"):
            self.take("OR")
            parts.append(self.and_())
        return " OR ".join(parts)

    def and_(self) -> str:
        parts = [self.not_()]
        while self.peek("AND"):
            self.take("AND")
            parts.append(self.not_())
        return " AND ".join(parts)

    def not_(self) -> str:
        if self.peek("NOT"):
            self.take("NOT")
            return f"NOT ({self.not_()})"
        if self.peek("("):
            self.take("(")
            inner = self.or_()
            self.take(")")
            return f"({inner})"
        return self.comparison(self.column())

    def comparison(self, column: str) -> str:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "op":
            op = self.take(*("=", "!=", "<>", "<", "<=", ">", ">="))
            return f"{column} {op} {self.value()}"
        if self.peek("IS"):
            self.take("IS")
            negated = " NOT" if self.peek("NOT") and self.take("NOT") else ""
            self.take("NULL")
            return f"{column} IS{negated} NULL"
        negated = "NOT " if self.peek("NOT") and self.take("NOT") else ""
        if self.peek("LIKE", "ILIKE"):
            op = self.take("LIKE", "ILIKE")
            return f"{column} {negated}{op} {self.value()}"
        self.take("IN")
        self.take("(")
        values = [self.value()]
        while self.peek(","):
            self.take(",")
            values.append(self.value())
        self.take(")")
        return f"{column} {negated}IN ({', '.join(values)})"


def where_parse(text: str, columns: list[str], *, start: int = 0) -> tuple[str, list]:
    """The `where` as DuckDB SQL over `columns` with placeholders `$start+1`..., and their
    values."""
    if len(text) > MAX_WHERE_CHARS:
        raise FilterError(f"The filter is over {MAX_WHERE_CHARS} characters")
    parser = _Parser(_tokens(text), columns, start=start)
    sql = parser.or_()
    parser.done()
    return sql, parser.params


def orderby_parse(text: str, columns: list[str]) -> str:
    """The `orderby` as DuckDB SQL over `columns`."""
    parser = _Parser(_tokens(text), columns)
    parts = []
    while True:
        column = parser.column()
        direction = parser.take("ASC", "DESC") if parser.peek("ASC", "DESC") else "ASC"
        parts.append(f"{column} {direction}")
        if not parser.peek(","):
            break
        parser.take(",")
    parser.done()
    return ", ".join(parts)
