"""``/publish``: a signed-in publisher writes a statement, a correction or a withdrawal in
Markdown, previews it, and publishes; then the new version's item page.

Only a browser signed in with a token that has the ``publish`` scope gets the form (others
see the sign-in page, or a 403 that says which scope is missing). The form carries a CSRF
token (``web.csrf``); the signing is ``web.publishing.perform``, the same operations as
``amanat publish``. Nothing here touches a key: they stay on the server.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from amanat.errors import AmanatError
from amanat.web import csrf
from amanat.web.auth import Viewer, signed_in_with
from amanat.web.errors import HttpError, describe_validation
from amanat.web.pages import render
from amanat.web.publishing import PublishRequest, item_id, local_publishers, resolve_item

router = APIRouter(include_in_schema=False)
FIELDS = ("action", "publisher", "headline", "body", "language", "content_type", "uri", "reason")
MAX_FORM_FIELDS = 16


def _publisher_viewer(request: Request) -> Viewer:
    return signed_in_with(request, "publish", "publishing")


def _form_page(request: Request, who: Any, form: dict[str, str], *, error: str | None = None,
               preview: bool = False, status: int = 200) -> Response:
    store = request.app.state.store
    current = None
    if form.get("action") in ("correct", "withdraw") and form.get("uri"):
        try:
            from amanat.web.views.items import load_item

            current = load_item(store, form["uri"])
        except AmanatError as exc:
            error = error or exc.diagnosis()
    return render(request, "publish.html", {
        "form": form, "error": error, "preview": preview, "current": current,
        "publishers": local_publishers(store, who), "csrf": csrf.token_for(request),
    }, status)


@router.get("/publish")
def publish_form(request: Request) -> Response:
    who = _publisher_viewer(request)
    form = {k: request.query_params.get(k, "") for k in FIELDS}
    form["action"] = form["action"] if form["action"] in ("publish", "correct", "withdraw") else "publish"
    form["content_type"] = form["content_type"] or "text/markdown"
    if form["action"] == "correct" and form["uri"] and not form["body"]:
        try:  # start the correction from the current text
            _, uri = resolve_item(request.app.state.store, form["uri"])
            from amanat.web.views.items import load_item

            latest = load_item(request.app.state.store, uri)["latest"]
            form |= {"uri": uri, "body": latest["body"], "headline": latest["headline"]}
        except AmanatError:
            pass  # the page shows the problem
    return _form_page(request, who, form)


@router.post("/publish")
async def publish(request: Request) -> Response:
    who = _publisher_viewer(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HttpError(415, "unsupported_media_type", f"the publish form posts form data, not {media or 'none'!r}")
    data = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    csrf.check(request, str(data.get(csrf.FIELD) or ""))
    form = {k: str(data.get(k) or "") for k in FIELDS}
    step = str(data.get("step") or "preview")
    try:
        req = PublishRequest.model_validate({k: v for k, v in form.items() if v != ""})
    except ValidationError as exc:
        return _form_page(request, who, form, error=describe_validation(list(exc.errors())), status=400)
    if step != "publish":
        return _form_page(request, who, form, preview=True)
    from amanat.web.publishing import perform

    try:
        entry = await run_in_threadpool(perform, request.app.state.store, req, who, request.app.state.settings.keys_dir)
    except AmanatError as exc:
        return _form_page(request, who, form, error=exc.diagnosis(), status=400)
    return RedirectResponse(f"/items/{item_id(entry.item_uri or '')}?published={entry.item_version}", status_code=303)
