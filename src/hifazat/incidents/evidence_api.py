"""The evidence API: upload to a case (multipart `file` + `description`), list a case's evidence, read one
with its custody chain, add a custody step, download the content re-hashed. Thin: the checks that need no
bytes run before the upload is stored, so a refused upload keeps no file and writes no row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from hifazat.auth.deps import CurrentUser
from hifazat.core.errors import invalid
from hifazat.incidents import evidence
from hifazat.incidents.evidence_schemas import CustodyIn
from hifazat.platform.deps import DbSession
from hifazat.platform.evidence import api as store

router = APIRouter(prefix="/api/v1")
TAG: list[Any] = ["evidence"]


@router.post("/cases/{case_id}/evidence", status_code=201, tags=TAG, summary="Add evidence to a case")
async def upload(
    case_id: str,
    session: DbSession,
    principal: CurrentUser,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form(max_length=4000)],
) -> dict[str, Any]:
    """Size limit and allowed types come from the store's settings; the type is judged from the bytes.
    The response carries the custody chain, starting with `collected` by the uploader."""
    if not description.strip():
        raise invalid("description", "must not be empty")
    case = await run_in_threadpool(evidence.writable_case, session, case_id, principal)
    stored = await store.receive_upload(file)
    evidence.discard_on_rollback(session, stored)  # from here a failure takes the new file back
    ev = await run_in_threadpool(
        lambda: evidence.record_upload(
            session, case, stored, filename=file.filename or "", description=description, principal=principal
        )
    )
    return await run_in_threadpool(evidence.present, session, ev, True)


@router.get("/cases/{case_id}/evidence", tags=TAG, summary="A case's evidence, oldest first")
def list_evidence(case_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    case = evidence.readable_case(session, case_id, principal)
    writable = evidence.may_write(session, case, principal)
    items = [evidence.present(session, ev, writable) for ev in evidence.list_for_case(session, case)]
    return {"items": items}


@router.get("/evidence/{evidence_id}", tags=TAG, summary="One piece of evidence with its custody chain")
def read_evidence(evidence_id: str, session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """`custody` in the order the steps were taken; `actions` the steps you may record next."""
    ev, case = evidence.get_evidence(session, evidence_id, principal)
    return evidence.present(session, ev, evidence.may_write(session, case, principal))


@router.post("/evidence/{evidence_id}/custody", status_code=201, tags=TAG, summary="Record a custody step")
def add_custody(
    evidence_id: str, body: CustodyIn, session: DbSession, principal: CurrentUser
) -> dict[str, Any]:
    """A step the last one does not allow answers 409 naming the allowed ones; `handed_over` needs
    `to_user_id`."""
    ev = evidence.add_custody(session, evidence_id, body, principal)
    return evidence.present(session, ev, True)


@router.get(
    "/evidence/{evidence_id}/content",
    tags=TAG,
    summary="The evidence's bytes, re-hashed before the first is sent",
    response_class=StreamingResponse,
)
async def content(evidence_id: str, session: DbSession, principal: CurrentUser) -> StreamingResponse:
    """Changed or missing bytes: 409 problem+json of type `evidence-integrity`, an audit entry and an
    alert to the lead agency, and never the bytes."""
    ev, _ = await run_in_threadpool(evidence.get_evidence, session, evidence_id, principal)
    try:
        return await store.verified_response(
            ev.sha256, media_type=ev.media_type, filename=ev.filename or None, size=ev.size
        )
    except store.IntegrityError as exc:
        await run_in_threadpool(evidence.record_integrity_failure, ev.id, exc, principal)
        raise
