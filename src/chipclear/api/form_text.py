"""Multipart form fields are UTF-8 text without NUL, or the request is refused naming the field (400).

Starlette reads a multipart field whose bytes are not UTF-8 as Latin-1 (``formparsers._user_safe_decode``), so a
``layer`` or ``format`` field, or a console form sent as multipart, was taken with a guessed encoding where the
same field URL-encoded is refused (``errors.PlainText``). A multipart body can be a 200 MB upload, so it is not
held: each chunk is read by a parser of its own on its way to the route, each part that is not a file is decoded
as UTF-8 as it goes (a file is bytes, read by its own parser; its file name is text), and the first that is not
text (or holds a NUL, which PostgreSQL cannot store and ``PlainText`` refuses in a URL-encoded form) stops the
reading of the form with ``NotText`` before any route has seen a field.
"""

from __future__ import annotations

import codecs
import re

from fastapi import HTTPException
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import DEFAULT_MAX_HEADER_SIZE, MultipartParser, parse_options_header
from starlette.types import Message, Receive

from chipclear.errors import InputError

_NOT_UTF8 = "not valid UTF-8 text (send every field as UTF-8)"  # as ``errors.PlainText`` says it


class NotText(InputError, HTTPException):
    """A multipart field that is not UTF-8 text, raised from ``receive`` while the form is read. An ``InputError``,
    so the error handlers show it as any refused input (JSON naming the field, or the console's page); an
    ``HTTPException``, so FastAPI's form reading passes it on unchanged rather than as "There was an error parsing
    the body"."""

    http_status = 400

    def __init__(self, field: str, problem: str, status: int = 400) -> None:
        InputError.__init__(self, f"{field}: {problem}", field=field)
        self.http_status = status
        self.status_code = status
        self.detail = self.message
        self.headers = None


class _FieldCheck:
    """Follows a multipart body chunk by chunk; ``bad`` is the first field that is not UTF-8 text, with what is
    wrong."""

    def __init__(self, boundary: bytes) -> None:
        self.bad: tuple[str, str] | None = None
        self._header = b""
        self._value = b""
        self._disposition = b""
        self._field = ""
        self._text: codecs.IncrementalDecoder | None = None  # None: a file part (bytes)
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )
        self._broken = False
        self._tail = b""  # the body's last bytes before this chunk, where a part's too long header may begin
        self.status = NotText.http_status

    def feed(self, chunk: bytes) -> None:
        if self._broken or self.bad is not None:
            return
        seen = self._tail + chunk
        self._tail = seen[-2 * DEFAULT_MAX_HEADER_SIZE :]
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            if "header size" in str(exc):  # a file name of thousands of characters: name the part, not "body"
                # the parser's offset is where the long header's value starts: its part's name comes after
                end = len(seen) - len(chunk) + exc.offset + DEFAULT_MAX_HEADER_SIZE
                part = re.findall(rb'\bname="([^"]{1,100})"', seen[:end])
                self._field = part[-1].decode("utf-8", "backslashreplace") if part else "body"
                self._refuse(f"a header of this part is over {DEFAULT_MAX_HEADER_SIZE} bytes (its file name?)")
                self.status = 422
            self._broken = True
        except Exception:  # malformed multipart: Starlette's own parser refuses it
            self._broken = True

    def _begin(self) -> None:
        self._disposition, self._text = b"", None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"")
        self._field = name.decode("utf-8", "backslashreplace")
        if not _is_text(name) or not _is_text(options.get(b"filename", b"")):
            self._refuse(_NOT_UTF8)
        elif b"filename" not in options:
            self._text = codecs.getincrementaldecoder("utf-8")()

    def _data(self, data: bytes, start: int, end: int) -> None:
        self._decode(data[start:end], final=False)

    def _end(self) -> None:
        self._decode(b"", final=True)

    def _decode(self, data: bytes, *, final: bool) -> None:
        if self._text is None:
            return
        if b"\x00" in data:
            self._refuse("must not contain a NUL character")
            return
        try:
            self._text.decode(data, final)
        except UnicodeDecodeError:
            self._refuse(_NOT_UTF8)

    def _refuse(self, problem: str) -> None:
        if self.bad is None:
            self.bad = (self._field, problem)
        self._text = None


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def multipart_as_text(content_type: bytes, receive: Receive) -> Receive:
    """``receive`` for a multipart body: the same messages, or ``NotText`` in place of the chunk in which a field
    that is not UTF-8 text ends (so the form is never read whole)."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        return receive  # Starlette refuses a multipart body without one
    check = _FieldCheck(boundary)

    async def checked() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            check.feed(message.get("body", b""))
            if check.bad is not None:
                raise NotText(*check.bad, status=check.status)
        return message

    return checked


__all__ = ["NotText", "multipart_as_text"]
