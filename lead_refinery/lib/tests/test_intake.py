import io
from datetime import datetime

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import intake

NOW = datetime(2026, 5, 4, 15, 0)
ROW = {
    "activity_type": "Badge scan",
    "occurred_at": "2026-05-03T10:30:00-04:00",
    "contact_name": "  Ann   Lee ",
    "email": "Ann.Lee@Quetzal-Robotics.com",
    "phone": "(617) 555-0142",
    "company_name": "Quetzal Robotics",
    "zip": "02134 1234",
    "country_code": "United States",
}


def test_decode_reports_the_encoding():
    text = "Firma;Stadt\nMüller GmbH;Köln\n"
    assert intake.decode(text.encode("utf-8")) == (text, "utf-8")
    assert intake.decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert intake.decode(text.encode("utf-16")) == (text, "utf-16")
    assert intake.decode(text.encode("latin-1")) == (text, "cp1252")


def test_csv_rows_stream_with_a_sniffed_delimiter():
    for sep in (",", ";", "\t"):
        data = (
            sep.join(["E-mail", "Firma", "Zip Code"])
            + "\n"
            + sep.join(["a@b.com", "Acme", "02134"])
            + "\n\n"
            + sep.join(["c@d.com", "Bolt"])
            + "\n"
        )
        headers, rows = intake.iter_rows(data.encode())
        assert headers == ["E-mail", "Firma", "Zip Code"]
        rows = list(rows)
        assert rows[0] == {"E-mail": "a@b.com", "Firma": "Acme", "Zip Code": "02134"}
        assert rows[1]["Zip Code"] == "", "short rows are padded, empty rows skipped"
        assert len(rows) == 2


def test_xlsx_rows():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "Company", "Event date"])
    sheet.append(["a@b.com", "Acme", datetime(2026, 5, 1, 9, 0)])
    buffer = io.BytesIO()
    book.save(buffer)
    headers, rows = intake.iter_rows(buffer.getvalue())
    assert headers == ["Email", "Company", "Event date"]
    assert list(rows) == [
        {"Email": "a@b.com", "Company": "Acme", "Event date": "2026-05-01 09:00:00"}
    ]


def test_guess_mapping_reads_common_headers():
    mapping = intake.guess_mapping(
        ["E-mail", "Firma", "Zip Code", "Event date", "First Name", "Last Name", "Notes", "Mystery"]
    )
    assert mapping == {
        "E-mail": "email",
        "Firma": "company_name",
        "Zip Code": "zip",
        "Event date": "occurred_at",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Notes": "note",
    }


def test_normalise_row():
    result = intake.normalise_row(ROW, now_utc=NOW)
    assert not result.errors and not result.warnings
    payload = result.payload
    assert payload["activity_type"] == "badge_scan"
    assert payload["occurred_at"] == datetime(2026, 5, 3, 14, 30), "converted to naive UTC"
    assert payload["contact_name"] == "Ann Lee"
    assert payload["email"] == "ann.lee@quetzal-robotics.com"
    assert payload["phone"] == "+16175550142"
    assert payload["zip"] == "02134-1234"
    assert payload["country_code"] == "US"
    assert payload["raw"]["contact_name"] == "  Ann   Lee "


def test_bad_values_are_warnings_and_bad_rows_errors():
    result = intake.normalise_row(
        dict(ROW, email="ann(at)quetzal", phone="12", zip="2134"), now_utc=NOW
    )
    assert set(result.warnings) == {"email", "phone", "zip"}
    assert result.payload["email"] is None and result.payload["phone"] is None
    assert result.payload["zip"] == "2134", "kept as typed for routing to flag"
    assert "02134" in result.warnings["zip"]
    future = intake.normalise_row(dict(ROW, occurred_at="2026-06-01"), now_utc=NOW)
    assert "future" in future.errors["occurred_at"] and future.payload is None
    ancient = intake.normalise_row(dict(ROW, occurred_at="01/01/1900"), now_utc=NOW)
    assert "too far in the past" in ancient.errors["occurred_at"]
    unreadable = intake.normalise_row(dict(ROW, occurred_at="yesterday-ish"), now_utc=NOW)
    assert "Unreadable" in unreadable.errors["occurred_at"]
    nobody = intake.normalise_row(
        {"activity_type": "web_download", "occurred_at": "2026-05-01"}, now_utc=NOW
    )
    assert "contact" in nobody.errors


def test_defaults_and_first_last_names():
    raw = {"First": "Bo", "Last": "Chan", "Mail": "bo@x.com"}
    mapping = {"First": "first_name", "Last": "last_name", "Mail": "email"}
    result = intake.normalise_row(
        raw,
        mapping,
        now_utc=NOW,
        defaults={"activity_type": "seminar_attended", "occurred_at": datetime(2026, 5, 1)},
    )
    assert result.payload["contact_name"] == "Bo Chan"
    assert result.payload["activity_type"] == "seminar_attended"


def test_payload_key_is_stable_and_prefers_the_senders_id():
    first = intake.normalise_row(ROW, now_utc=NOW).payload
    again = intake.normalise_row(dict(ROW, contact_name="Ann Lee"), now_utc=NOW).payload
    assert intake.payload_key(first) == intake.payload_key(again)
    other = intake.normalise_row(dict(ROW, activity_type="web_download"), now_utc=NOW).payload
    assert intake.payload_key(first) != intake.payload_key(other)
    assert intake.payload_key(first, "form-a") != intake.payload_key(first, "form-b")
    with_id = dict(first, external_id="R-7")
    assert intake.payload_key(with_id, "x") == intake.payload_key(
        dict(with_id, note="changed", contact_name="Other"), "x"
    )


def test_token_bucket():
    now = [0.0]
    bucket = intake.TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    assert [bucket.take()[0] for _ in range(4)] == [True, True, True, False]
    allowed, retry = bucket.take()
    assert not allowed and abs(retry - 0.5) < 1e-9
    now[0] += 0.5
    assert bucket.take()[0]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*intake.FIELDS, "first_name", "junk"]),
        st.one_of(st.none(), st.text(max_size=60), st.integers()),
        max_size=10,
    )
)
def test_no_row_crashes_normalisation(raw):
    result = intake.normalise_row(raw, now_utc=NOW)
    assert (result.payload is None) == bool(result.errors)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_no_bytes_crash_decoding_and_reading(data):
    intake.decode(data)
    if not intake.is_xlsx(data):
        _headers, rows = intake.iter_rows(data)
        list(rows)


def test_a_50_mb_file_streams_row_by_row():
    line = "buyer{0}@acct{1}.example,Company {1},02134,2026-05-01 10:00,badge_scan,{2}\n"
    filler = "x" * 60
    data = (
        "email,company,zip,date,activity,note\n"
        + "".join(line.format(i, i % 2000, filler) for i in range(420_000))
    ).encode()
    assert len(data) > 50_000_000
    headers, rows = intake.iter_rows(data)
    mapping = intake.guess_mapping(headers)
    count = 0
    for count, raw in enumerate(rows, start=1):
        if count % 50_000 == 0:
            assert intake.normalise_row(raw, mapping, now_utc=NOW).payload["zip"] == "02134"
    assert count == 420_000
