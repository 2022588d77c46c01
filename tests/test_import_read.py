"""What `advocacy-kit import` makes of the file a person brings, before anything is written: the cells of a CSV in
any encoding and delimiter a spreadsheet or a CRM writes, or of one sheet of an .xlsx; which header feeds which
column of the kit (guessed, or read from a mapping file); whose export it is; and a one-line error naming the
row and column when a file cannot be read."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit import schema
from kit.errors import InputError
from kit.importing import ImportFileError, region_of
from kit.importing.mapping import guess_mapping, load_mapping, mapping_toml
from kit.importing.presets import HUBSPOT, SALESFORCE, detect, salesforce_id18
from kit.importing.read import read_csv_bytes, read_table
from tests.properties import examples

FIXTURES = Path(__file__).parent / "fixtures" / "import"
A, O = schema.ADVOCATES.col, schema.OPPORTUNITIES.col

ROSTER = [
    ["Full Name", "E-mail Address", "Account", "Country"],
    ["Lucía Gómez", "lucia@contoso.com.br", "Contoso Ltd", "Brazil"],
    ["Zoë Müller", "zoe@fabrikam.de", "Fabrikam; Europe", "Germany"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str, bom: bytes = b"") -> Path:
    def quoted(cell: str) -> str:
        return f'"{cell}"' if delimiter in cell else cell

    text = "\r\n".join(delimiter.join(quoted(c) for c in row) for row in rows) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))
    return path


# ------------------------------------------------------------------------------------------------------------
# Files


@pytest.mark.parametrize(
    ("saved_as", "encoding", "delimiter", "bom"),
    [
        ("Excel 'CSV UTF-8'", "utf-8", ",", codecs.BOM_UTF8),
        ("UTF-8 without a mark", "utf-8", ",", b""),
        ("Excel 'Unicode Text'", "utf-16-le", "\t", codecs.BOM_UTF16_LE),
        ("plain 'CSV' on Western Windows", "cp1252", ",", b""),
        ("CSV where the decimal mark is a comma", "utf-8", ";", b""),
        ("a pipe-separated export", "utf-8", "|", b""),
    ],
)
def test_a_csv_reads_the_same_whatever_encoding_and_delimiter_it_was_saved_with(
    tmp_path, saved_as, encoding, delimiter, bom
):
    path = write_csv(tmp_path / "roster.csv", ROSTER, encoding, delimiter, bom)

    table = read_table(str(path))

    assert table.header == tuple(ROSTER[0])
    assert [list(row) for row in table.rows] == ROSTER[1:]
    assert table.numbers == (2, 3)


_TYPED = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from([",", ";", "\t", "|", '"', "\n"])
_HEADER_CELL = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Z")).filter(lambda c: c not in ',;|"')
)


@st.composite
def _sheets(draw) -> list[list[str]]:
    """A header (2-5 names, as people write them: no delimiters, distinct) and rows of anything a person
    types, each with something in it."""
    header = draw(st.lists(_HEADER_CELL.filter(str.strip), min_size=2, max_size=5, unique_by=str.strip))
    header = [h.strip() for h in header]
    cell = st.text(_TYPED, max_size=12)
    row = st.lists(cell, min_size=len(header), max_size=len(header)).filter(
        lambda r: any(c.strip() for c in r)
    )
    return [header, *draw(st.lists(row, max_size=6))]


@settings(max_examples=examples(60), deadline=None)
@given(sheet=_sheets(), encoding=st.sampled_from(["utf-8-sig", "utf-16"]))
def test_any_cells_a_spreadsheet_saves_as_csv_read_back_exactly(sheet, encoding):
    text = io.StringIO(newline="")
    csv.writer(text).writerows(sheet)

    table = read_csv_bytes(text.getvalue().encode(encoding), "sheet.csv")

    assert list(table.header) == sheet[0]
    assert [list(row) for row in table.rows] == sheet[1:]


def test_a_sheet_of_a_workbook_is_named_after_a_hash(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["nothing to import"])
    deals = book.create_sheet("Q4 deals")
    deals.append(["Opportunity ID", "Amount"])
    deals.append(["0065g00000AbCdE", 12000])
    book.save(tmp_path / "export.xlsx")

    table = read_table(f"{tmp_path / 'export.xlsx'}#Q4 deals")

    assert table.header == ("Opportunity ID", "Amount")
    assert table.rows == (("0065g00000AbCdE", 12000),)
    assert table.name.endswith("export.xlsx#Q4 deals")


def test_a_sheet_the_workbook_lacks_is_refused_naming_the_sheets_it_has(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Deals"
    book.save(tmp_path / "export.xlsx")

    with pytest.raises(ImportFileError, match="no sheet 'Opportunities'; its sheets are 'Deals'"):
        read_table(f"{tmp_path / 'export.xlsx'}#Opportunities")


def test_the_footer_of_a_salesforce_report_is_not_read_as_deals_and_is_said_to_be_skipped():
    table = read_table(str(FIXTURES / "salesforce_opportunities.csv"))

    assert len(table.rows) == 7
    assert table.rows[-1][table.header.index("Account Name")] == "Société Générale Assurances"
    assert table.encoding == "cp1252"
    assert table.described.endswith("(Windows-1252, ',' delimited; a 5-line footer skipped)")


def test_a_footer_with_blank_lines_inside_is_cut_whole(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text('Opportunity ID,Stage\nA1,Won\n\n"My report"\n\n"Copyright"\n"Generated By: me"\n')

    table = read_table(str(path))

    assert table.rows == (("A1", "Won"),) and table.footer == 3


def test_rows_with_only_their_first_cell_filled_are_data_unless_a_blank_line_sets_them_apart(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("Full Name,Email\nAna Lima,ana@x.com\nBo Chen,\nCy Diaz,\n")

    table = read_table(str(path))

    assert [row[0] for row in table.rows] == ["Ana Lima", "Bo Chen", "Cy Diaz"] and table.footer == 0


def test_a_delimiter_inside_cells_does_not_fool_the_reader(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("Name; title,Company\nAna; CIO,Acme|Co\nBo; CTO,Initech|Co\n")

    table = read_table(str(path))

    assert table.delimiter == "," and table.header == ("Name; title", "Company")


def test_a_file_that_is_not_text_is_refused_naming_its_row_and_column(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"Opportunity ID,Amount\r\nOPP-1,\x81\x8d\r\n")

    with pytest.raises(ImportFileError) as error:
        read_table(str(path))

    message = str(error.value)
    assert message.startswith(f"{path} row 2, column 2: byte 0x81 is not text")
    assert "\n" not in message


def test_a_quote_left_open_mid_line_is_refused_naming_its_row_and_column(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text('Opportunity ID,Account,Amount\nOPP-1,"Acme" Inc,100\n', encoding="utf-8")

    with pytest.raises(ImportFileError, match=r"deals.csv row 2, column 2: cannot be read as CSV"):
        read_table(str(path))


def test_a_missing_file_an_empty_one_and_a_folder_are_each_said_in_a_line(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")

    with pytest.raises(ImportFileError, match="no such file"):
        read_table(str(tmp_path / "nope.csv"))
    with pytest.raises(ImportFileError, match="the file is empty"):
        read_table(str(tmp_path / "empty.csv"))
    with pytest.raises(ImportFileError, match="a folder, not a file to import"):
        read_table(str(tmp_path))


# ------------------------------------------------------------------------------------------------------------
# Mapping


def test_a_rosters_headers_map_by_the_headers_other_spreadsheets_use():
    mapping = guess_mapping(
        ("Full Name", "E-mail Address", "Account", "Country", "Happy to speak?"), "Advocates"
    )

    assert dict(mapping.columns) == {
        A.name: "Full Name",
        A.email: "E-mail Address",
        A.company: "Account",
        A.country: "Country",
    }
    assert A.region in mapping.derived  # from the country, through the region table
    assert mapping.unmapped["Happy to speak?"].startswith("no column of Advocates is close enough")


def test_a_misspelled_header_maps_by_a_fuzzy_match_and_says_so():
    mapping = guess_mapping(("Full Name", "Emial Adress", "Company"), "Advocates")

    assert mapping.columns[A.email] == "Emial Adress"
    assert mapping.how[A.email].startswith("fuzzy ")


def test_of_two_headers_for_one_column_the_columns_own_name_wins_and_the_other_is_said():
    mapping = guess_mapping(("Full Name", "Name", "Company"), "Advocates")

    assert mapping.columns[A.name] == "Name"
    assert mapping.unmapped["Full Name"] == "reads as name, which 'Name' already feeds"


def test_a_written_mapping_file_reads_back_as_the_same_mapping(tmp_path):
    header = read_table(str(FIXTURES / "hubspot_deals.csv")).header
    guessed = guess_mapping(header, "Opportunities", HUBSPOT)
    path = tmp_path / "deals.mapping.toml"
    path.write_text(mapping_toml(guessed, "hubspot_deals.csv"), encoding="utf-8")

    loaded = load_mapping(path, header, "Opportunities")

    assert loaded.columns == guessed.columns
    assert loaded.preset == "hubspot"
    assert set(loaded.won) == set(HUBSPOT.won) and set(loaded.derived) == {O.is_closed, O.is_won}


def test_a_mapping_file_naming_a_header_the_file_lacks_is_refused_with_the_headers_it_has(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[columns]\nopportunity_id = "Deal Id"\n', encoding="utf-8")

    with pytest.raises(InputError, match=r"opportunity_id = 'Deal Id': the file has no such header \(it has"):
        load_mapping(path, ("Record ID", "Amount"), "Opportunities")


def test_a_mapping_file_naming_a_column_the_tab_lacks_is_refused_with_the_columns_it_has(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[columns]\nrevenue = "Amount"\n', encoding="utf-8")

    with pytest.raises(InputError, match="Opportunities has no such column; use one of opportunity_id"):
        load_mapping(path, ("Record ID", "Amount"), "Opportunities")


# ------------------------------------------------------------------------------------------------------------
# Whose export it is, and what its values mean


def test_the_vendor_of_an_export_is_told_by_its_headers():
    assert detect(read_table(str(FIXTURES / "salesforce_opportunities.csv")).header) is SALESFORCE
    assert detect(read_table(str(FIXTURES / "hubspot_deals.csv")).header) is HUBSPOT
    assert detect(read_table(str(FIXTURES / "inherited_roster.csv")).header) is None


def test_a_salesforce_id_from_a_report_is_kept_in_the_18_character_form_the_api_gives():
    # Salesforce's own worked examples of the 15 → 18 character conversion.
    assert salesforce_id18("a0D30000001n7Pi") == "a0D30000001n7PiEAI"
    assert salesforce_id18("500x000000003TR") == "500x000000003TRAAY"
    assert salesforce_id18("a0D30000001n7PiEAI") == "a0D30000001n7PiEAI"
    assert salesforce_id18("OPP-1") is None


def test_a_hubspot_stage_id_reads_as_its_pipeline_label():
    assert HUBSPOT.stage("closedwon") == "Closed Won"
    assert HUBSPOT.stage("Negotiation") == "Negotiation"


@pytest.mark.parametrize(
    ("place", "region"),
    [
        ("Germany", "EMEA"),
        ("DE", "EMEA"),
        ("united states", "North America"),
        ("Brasil", "LATAM"),
        ("JP", "APAC"),
    ],
)
def test_a_country_reads_as_its_region(place, region):
    assert region_of(place) == region


def test_a_region_word_reads_as_itself_and_an_unknown_place_as_none():
    assert region_of("emea") == "EMEA"
    assert region_of("Latin America") == "LATAM"
    assert region_of("Atlantis") is None
