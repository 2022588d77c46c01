"""The few Drive v3 calls gspread makes: creating, finding, reading and deleting a spreadsheet's file, and
sharing it (``permissions``)."""

from __future__ import annotations

import re

from emulators.sheets.model import ApiError, Spreadsheet, bad_request
from emulators.sheets.resource import Resource, _one

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"


class Drive(Resource):
    """What the two Drive resources share: how Drive finds a file."""

    def book(self, principal: str, sid: str) -> Spreadsheet:
        """Drive answers 404 "File not found: <id>." both for unknown files and for files the caller cannot
        see (https://developers.google.com/drive/api/guides/handle-errors#resolve_a_404_error_file_not_found_fileid)."""
        book = self.emulator.books.get(sid)
        if book is None or (self.emulator.require_auth and not book.can_read(principal)):
            raise ApiError(404, f"File not found: {sid}.", "NOT_FOUND")
        return book


class DriveFiles(Drive):
    """``drive.files.create``, ``get``, ``list`` and ``delete``."""

    def create(self, principal, query, payload):
        """https://developers.google.com/drive/api/reference/rest/v3/files/create with the Sheets mime type
        makes a new spreadsheet with one 1000×26 'Sheet1' (as recorded)."""
        body = payload or {}
        if body.get("mimeType") != SHEETS_MIME:
            raise bad_request("emulator: only spreadsheets can be created")
        book = self.emulator.new_book(body.get("name", "Untitled spreadsheet"), principal)
        return 200, {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
        }

    def get(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/files/get with a ``fields`` list."""
        book = self.book(principal, sid)
        full = {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": SHEETS_MIME,
            "createdTime": book.created,
            "modifiedTime": book.modified,
        }
        fields = _one(query, "fields", "")
        if not fields:
            return 200, {k: full[k] for k in ("kind", "id", "name", "mimeType")}
        return 200, {k: full[k] for k in fields.split(",") if k in full}

    def list(self, principal, query, payload):
        """https://developers.google.com/drive/api/reference/rest/v3/files/list ; of the ``q`` language the
        emulator understands ``mimeType="…"`` and ``name = "…"`` joined by ``and``."""
        q = _one(query, "q", "")
        name = re.search(r'name\s*=\s*"((?:[^"\\]|\\.)*)"', q)
        files = [
            {"id": b.spreadsheet_id, "name": b.title, "createdTime": b.created, "modifiedTime": b.modified}
            for b in self.emulator.books.values()
            if b.can_read(principal) and (name is None or b.title == name.group(1))
        ]
        listing = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = _one(query, "fields", "")
        if fields:  # 'kind,nextPageToken,files(id,name)': only the top-level fields asked for
            wanted = {f.split("(")[0].strip() for f in re.split(r",(?![^(]*\))", fields)}
            listing = {k: v for k, v in listing.items() if k in wanted}
        return 200, listing

    def delete(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/files/delete : 204, empty body."""
        book = self.book(principal, sid)
        del self.emulator.books[book.spreadsheet_id]
        return 204, None


class DrivePermissions(Drive):
    """``drive.permissions.create`` and ``list``."""

    def create(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/permissions/create"""
        book = self.book(principal, sid)
        body = payload or {}
        permission = {
            "kind": "drive#permission",
            "id": str(self.emulator.rng.randrange(10**19)),
            "type": body.get("type", "user"),
            "role": body.get("role", "reader"),
        }
        if body.get("emailAddress"):
            permission["emailAddress"] = body["emailAddress"]
        book.permissions.append(permission)
        return 200, {k: v for k, v in permission.items() if k != "emailAddress"}

    def list(self, principal, query, payload, sid):
        """https://developers.google.com/drive/api/reference/rest/v3/permissions/list"""
        book = self.book(principal, sid)
        return 200, {"kind": "drive#permissionList", "permissions": book.permissions}
