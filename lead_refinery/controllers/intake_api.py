"""JSON endpoint for web forms and marketing tools: POST buyer activities.

``POST /lead_refinery/api/v1/activities`` with ``Authorization: Bearer <key>``
and a JSON body: one activity object, or ``{"activities": [...]}`` (at most
500). Fields are those of ``lib.intake.FIELDS`` (``occurred_at`` in ISO 8601).
An ``Idempotency-Key`` header makes retries safe. Answers:

* 201 one activity stored (``status`` created, or 200 and ``duplicate``);
* 207 a batch, with one result per item;
* 400 body not JSON or not an object; 401 missing or unknown key;
  422 invalid activity, with per-field ``errors`` (kept as an intake reject);
  429 rate limit exceeded, with ``Retry-After``.
"""

import json
import math

from odoo import fields, http
from odoo.http import request

from ..lib import intake

MAX_ITEMS = 500


def _answer(status, body, headers=None):
    return request.make_json_response(body, headers=headers, status=status)


class IntakeApi(http.Controller):
    @http.route(
        "/lead_refinery/api/v1/activities",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def post_activities(self, **_params):
        header = request.httprequest.headers.get("Authorization", "")
        secret = header[7:].strip() if header.lower().startswith("bearer ") else None
        secret = secret or request.httprequest.headers.get("X-Api-Key")
        key = request.env["crm.refinery.api.key"]._refinery_authenticate(secret)
        if not key:
            return _answer(401, {"error": "missing or unknown API key"})
        allowed, retry_after = key._refinery_take_token()
        if not allowed:
            wait = str(max(1, math.ceil(retry_after)))
            return _answer(429, {"error": "rate limit exceeded"}, [("Retry-After", wait)])
        try:
            body = json.loads(request.httprequest.get_data(as_text=True) or "null")
        except ValueError:
            return _answer(400, {"error": "the body is not valid JSON"})
        single = isinstance(body, dict) and "activities" not in body
        items = (
            [body] if single else (body or {}).get("activities") if isinstance(body, dict) else None
        )
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return _answer(400, {"error": 'send an activity object or {"activities": [...]}'})
        if len(items) > MAX_ITEMS:
            return _answer(400, {"error": f"at most {MAX_ITEMS} activities per request"})
        env = request.env(user=key.user_id.id)
        key.sudo().write(
            {"last_used": fields.Datetime.now(), "request_count": key.request_count + 1}
        )
        results = self._ingest(env, key, items, request.httprequest.headers.get("Idempotency-Key"))
        if single:
            result = results[0]
            code = {"created": 201, "duplicate": 200}.get(result["status"], 422)
            return _answer(code, result)
        return _answer(207, {"results": results})

    def _ingest(self, env, key, items, idempotency):
        """One result per item, in order; the valid items are ingested in one call."""
        now = fields.Datetime.now()
        results = [None] * len(items)
        Activity = env["crm.refinery.activity"]
        Reject = env["crm.refinery.intake.reject"]
        source = f"API: {key.name}"
        valid = []  # (index, payload, warnings)
        for index, item in enumerate(items):
            row = intake.normalise_row(item, now_utc=now)
            if row.errors:
                reject = Reject._refinery_reject({"raw": item}, "api", source, row.errors)
                results[index] = {
                    "status": "rejected",
                    "errors": row.errors,
                    "warnings": row.warnings,
                    "reject_id": reject.id,
                }
                continue
            payload = dict(row.payload)
            if idempotency:
                payload["idempotency_key"] = f"api:{key.id}:{idempotency}:{index}"
            else:
                payload["idempotency_key"] = intake.payload_key(payload, f"api:{key.id}")
            valid.append((index, payload, row.warnings))
        ingested = Activity._refinery_ingest([payload for _i, payload, _w in valid], "api", source)
        for (index, _payload, warnings), result in zip(valid, ingested, strict=True):
            errors = result.get("errors")
            results[index] = {
                "status": result["status"],
                "activity_id": result.get("activity_id"),
                "lead_id": result.get("lead_id") or None,
                "errors": errors
                if isinstance(errors, dict)
                else ({"row": errors} if errors else {}),
                "warnings": warnings,
            }
        return results
