"""``GET /healthz``: a constant answer for load balancers, and the benchmark's reference."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["meta"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Always ``{"status": "ok"}``; touches nothing."""
    return {"status": "ok"}
