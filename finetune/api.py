"""POST /api/finetune: start a fine-tune (the settings of finetune/specs.py as a JSON object);
the answer is its job's JobInfo, as /api/jobs answers, and the repo it will push."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finetune.services import finetune_start
from jobs.selectors import job_json
from registry.request import actor


class FinetuneView(APIView):
    def post(self, request: Request) -> Response:
        job, spec = finetune_start(actor=actor(request), settings=request.data)
        return Response({"job": job_json(job), "output_repo": spec.output_repo})
