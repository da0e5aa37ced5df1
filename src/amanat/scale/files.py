"""Where a job's WARC files are: a local glob or an S3 URL pattern, listed on the driver and
streamed by each executor itself (the way Common Crawl's cc-pyspark reads WARC).

Hadoop's ``s3a`` filesystem would need jars fetched at start-up; boto3 needs nothing but the
environment's credentials (``AWS_ACCESS_KEY_ID`` …, an instance role, or ``AWS_PROFILE``) and,
for an S3-compatible store or a test server, ``AWS_ENDPOINT_URL``. An executor copies one
object at a time to a local temporary file (streamed in chunks by ``download_fileobj``, so
memory stays at one chunk) because the WARC reader seeks: to resynchronise after a broken
record and to re-read the response a revisit record repeats. The file is deleted as soon as
it has been read.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from amanat.errors import InputError

S3 = "s3://"
_WILDCARDS = "*?["


def is_s3(location: str) -> bool:
    return location.startswith(S3)


def split_s3(url: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` → ``("bucket", "some/key")``."""
    bucket, _, key = url[len(S3):].partition("/")
    if not bucket:
        raise InputError(f"not an S3 URL with a bucket: {url!r}")
    return bucket, key


def s3_client() -> Any:
    """A boto3 S3 client configured from the environment (credentials, region, endpoint)."""
    try:
        import boto3
    except ImportError:
        raise InputError("reading s3:// needs boto3: pip install 'amanat[scale]'") from None
    return boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def list_inputs(pattern: str) -> list[str]:
    """The files a pattern names, sorted (the order ``amanat ingest`` reads a directory in):
    a local glob (``**`` allowed) or ``s3://bucket/prefix/*.warc.gz``."""
    if is_s3(pattern):
        return _list_s3(pattern)
    paths = glob.glob(os.path.expanduser(pattern), recursive=True)
    files = sorted(str(Path(p).resolve()) for p in paths if Path(p).is_file())
    if not files:
        raise InputError(f"no files match {pattern!r}")
    return files


def _list_s3(pattern: str) -> list[str]:
    bucket, key_pattern = split_s3(pattern)
    cut = min((key_pattern.find(c) for c in _WILDCARDS if c in key_pattern), default=len(key_pattern))
    prefix = key_pattern[:cut]
    client = s3_client()
    keys: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", ()) if fnmatch.fnmatchcase(o["Key"], key_pattern)]
    except Exception as exc:  # botocore's errors are many; the message is what the user needs
        raise InputError(f"cannot list {pattern}: {str(exc).splitlines()[0]}") from None
    if not keys:
        raise InputError(f"no objects match {pattern!r}")
    return [f"{S3}{bucket}/{k}" for k in sorted(keys)]


@contextlib.contextmanager
def local_copy(location: str) -> Iterator[Path]:
    """A local path to read ``location`` from: the file itself, or a temporary copy of an S3
    object that is removed afterwards."""
    if not is_s3(location):
        yield Path(location)
        return
    bucket, key = split_s3(location)
    # keep .warc.gz (the reader's policy reads names), and nothing else of the object's name:
    # a key is the bucket's to choose, the temporary file's name is this machine's
    suffix = "".join(s for s in Path(key).suffixes[-2:] if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", s))
    with tempfile.NamedTemporaryFile(prefix="amanat-", suffix=suffix) as fh:
        s3_client().download_fileobj(bucket, key, fh)
        fh.flush()
        yield Path(fh.name)
