"""``store.bulk.insert_rows`` writes on SQLite exactly the rows the expression language
writes (dates as the same strings, byte strings as the same BLOBs, NULLs, OR IGNORE on a
stored key), so a partner's entries and documents read back the same whichever path wrote them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from amanat.store import schema as t
from amanat.store.bulk import insert_rows
from amanat.store.db import Store

NOW = datetime(2022, 1, 6, 9, 30, 15, 123456, tzinfo=UTC)


def _rows() -> dict[str, list[dict]]:
    raw = [{"digest": f"{i:064x}", "media_type": "application/jose", "size": i, "codec": "zstd",
            "data": bytes([i, 0, 255]) * i} for i in range(1, 6)]
    seen = [{"url": f"https://example.test/items/{i}", "raw_digest": f"{i:064x}",
             "document_id": None if i % 2 else f"{i:016x}", "outcome": "new", "at": NOW + timedelta(seconds=i)}
            for i in range(1, 6)]
    return {"raw": raw, "seen": seen}


def _dump(url: str) -> dict[str, list[tuple]]:
    with Store.open(url) as store, store.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1, 2")]
                for name in ("raw", "seen")}


def test_driver_rows_equal_expression_rows_on_sqlite(tmp_path: Path) -> None:
    urls = {way: f"sqlite:///{tmp_path / f'{way}.db'}" for way in ("driver", "expression")}
    for way, url in urls.items():
        with Store.open(url) as store, store.engine.begin() as conn:
            for name, rows in _rows().items():
                table = t.metadata.tables[name]
                if way == "driver":
                    insert_rows(conn, table, rows)
                    insert_rows(conn, table, rows[:2], ignore=True)  # stored already: skipped
                else:
                    conn.execute(sa.insert(table), rows)
    driver, expression = _dump(urls["driver"]), _dump(urls["expression"])
    assert driver == expression and len(driver["raw"]) == len(driver["seen"]) == 5
    assert isinstance(driver["raw"][0][4], bytes) and driver["seen"][0][4] == expression["seen"][0][4]
