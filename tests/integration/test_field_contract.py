"""docs/fields.md, the project's own copy of the field contract, against (a) the fields the real
plugin registers and (b) the shared contract, FIELDS.md.

The tables of docs/fields.md are read by their header row:
  | filter name | meaning |          the protocol
  | filter name | type | meaning |   a field (FT_ type)
  | name | group, severity | when |  an expert item
  | table (...) | columns | meaning | a UAT (its columns)
  | kind | status |                  a personal-data kind, a value of xmtrack.pii
Sections whose heading starts with "Further" hold what the plugin registers beyond the contract;
every other table is the contract.

(a) runs tshark -G fields with the plugin (TsharkEnv): every contract field is registered with its
type, every registered xmtrack.* field is documented with its type, the expert items are
registered, each UAT loads with its columns, and the personal-data kinds are those the registered
xmtrack.pii field names. (b) needs FIELDS.md ($XMTRACK_FIELD_CONTRACT, else ../shared/FIELDS.md
from the repository root); when it is not there, (b) is reported as skipped, not run.
"""
import os
import re
import unittest

from tshark_env import REPO, TsharkEnv

DOC = os.path.join(REPO, "docs", "fields.md")

# Contract entries the plugin does not register yet, and the issue that adds each. Empty it as
# they land: an entry listed here that the plugin DOES register fails the test, and
# docs/fields.md must mark exactly these "not yet registered (issue N)".
NOT_YET_REGISTERED = {
}

# A value per UAT column, for loading one record through -o 'uat:NAME:...'.
UAT_SAMPLE = {"sdk": "sensors", "key_id": "7", "key": "AAAAAAAAAAAAAAAAAAAAAA==", "label": "test",
              "value": "355402081234568", "uid": "10123", "package": "com.example.app"}

HEADER_KINDS = {
    ("filter name", "meaning"): "protocol",
    ("filter name", "type"): "field",
    ("name", "group, severity"): "expert",
    ("columns",): "uat",
    ("kind", "status"): "pii_kind",
}
NOT_YET = re.compile(r"not yet registered \((issue \d+)\)", re.IGNORECASE)
CODE = re.compile(r"`([^`]+)`")


def contract_path():
    """Where FIELDS.md is, and whether it was named explicitly."""
    named = os.environ.get("XMTRACK_FIELD_CONTRACT")
    if named:
        return named, True
    return os.path.join(os.path.dirname(REPO), "shared", "FIELDS.md"), False


def table_kind(header):
    if len(header) >= 2 and header[0].startswith("table") and header[1] == "columns":
        return "uat"
    return HEADER_KINDS.get(tuple(header[:2]))


class Entry:
    def __init__(self, kind, name, value, meaning, section):
        self.kind, self.name, self.value, self.meaning, self.section = kind, name, value, meaning, section
        self.own = section.startswith("Further")
        mark = NOT_YET.search(value + " " + meaning) if kind == "pii_kind" else NOT_YET.search(meaning)
        self.not_yet = mark.group(1) if mark else None


def parse(path):
    """Every entry of every table the header rows name, in document order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    entries, section, header, kind = [], "", None, None
    for line in lines:
        if line.startswith("## "):
            section, header = line[3:].strip(), None
            continue
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if header is None:
            header = [c.lower() for c in cells]
            kind = table_kind(header)
            continue
        if not kind or set(line) <= set("|-: "):
            continue
        name = CODE.match(cells[0])
        if not name:
            raise AssertionError(f"{path}: a row of a {kind} table without a `name`: {line}")
        if kind == "protocol":
            value, meaning = "", cells[1]
        elif kind == "uat":
            value, meaning = ",".join(CODE.findall(cells[1])), cells[2]
        elif kind == "pii_kind":
            value, meaning = cells[1], ""
        else:
            value, meaning = cells[1], cells[2]
        entries.append(Entry(kind, name.group(1), value, meaning, section))
    return entries


def of_kind(entries, kind, own=False):
    return {e.name: e for e in entries if e.kind == kind and e.own == own}


def contract_pii_kinds(entries):
    """The kinds named in the xmtrack.pii row of a contract (backticked)."""
    row = of_kind(entries, "field").get("xmtrack.pii")
    if row is None:
        raise AssertionError("the contract has no xmtrack.pii row")
    return set(CODE.findall(row.meaning))


class AgainstThePlugin(unittest.TestCase):
    """(a): docs/fields.md and the fields the real plugin registers."""

    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.doc = parse(DOC)
        rows = [line.split("\t") for line in cls.tshark.run("-G", "fields").stdout.splitlines()]
        cls.registered = {r[2]: {"type": r[3], "blurb": r[7] if len(r) > 7 else ""}
                          for r in rows if r[0] == "F" and r[2].startswith("xmtrack.")}
        cls.protocols = {r[2] for r in rows if r[0] == "P" and len(r) > 2}

    def test_doc_has_every_kind_of_table(self):
        for kind, least in (("protocol", 1), ("field", 20), ("expert", 6), ("uat", 1), ("pii_kind", 13)):
            with self.subTest(kind=kind):
                self.assertGreaterEqual(len([e for e in self.doc if e.kind == kind]), least,
                                        f"docs/fields.md: too few {kind} rows read; a table header changed?")
        self.assertTrue(of_kind(self.doc, "field", own=True), "no 'Further fields' table read")

    def test_marks_are_exactly_the_not_yet_list(self):
        marked = {e.name: e.not_yet for e in self.doc if e.not_yet}
        self.assertEqual(marked, NOT_YET_REGISTERED,
                         "docs/fields.md marks 'not yet registered (issue N)' on other entries than "
                         "NOT_YET_REGISTERED lists")

    def test_protocol_registered(self):
        for name in of_kind(self.doc, "protocol"):
            self.assertIn(name, self.protocols)

    def test_contract_fields_registered_with_their_type(self):
        for name, e in of_kind(self.doc, "field").items():
            if name in NOT_YET_REGISTERED:
                continue
            with self.subTest(field=name):
                self.assertIn(name, self.registered, "a contract field the plugin does not register")
                self.assertEqual(self.registered[name]["type"], e.value)

    def test_not_yet_registered_are_not(self):
        for name in NOT_YET_REGISTERED:
            with self.subTest(entry=name):
                self.assertNotIn(name, self.registered,
                                 f"{name} is registered now: take it out of NOT_YET_REGISTERED and "
                                 "its mark out of docs/fields.md")

    def test_every_registered_field_documented_with_its_type(self):
        documented = {}
        for e in self.doc:
            if e.kind == "field":
                documented[e.name] = e.value
            elif e.kind == "expert":
                documented[e.name] = "FT_NONE"  # how -G fields lists an expert item
        for name, reg in self.registered.items():
            with self.subTest(field=name):
                self.assertIn(name, documented, "registered but not in docs/fields.md")
                self.assertEqual(documented[name], reg["type"])

    def test_expert_items_registered(self):
        # tshark 4.0 has no "-G expert": the group and severity are checked from captures that
        # raise each item, in test_plugin.py.
        for name in of_kind(self.doc, "expert"):
            with self.subTest(expert=name):
                self.assertEqual(self.registered.get(name, {}).get("type"), "FT_NONE")

    def load_uat(self, name, columns):
        record = ",".join('"%s"' % UAT_SAMPLE.get(c, "x") for c in columns)
        return self.tshark.run("-o", f"uat:{name}:{record}", "-r", self.tshark.capture("sensors_android.pcap"),
                               "-c", "1", check=False)

    def test_uats_load_with_their_columns(self):
        uats = {**of_kind(self.doc, "uat"), **of_kind(self.doc, "uat", own=True)}
        for name, e in uats.items():
            columns = e.value.split(",")
            with self.subTest(uat=name):
                full = self.load_uat(name, columns)
                if name in NOT_YET_REGISTERED:
                    self.assertIn("Unknown preference", full.stderr,
                                  f"{name} loads now: take it out of NOT_YET_REGISTERED and its mark "
                                  "out of docs/fields.md")
                    continue
                self.assertEqual(full.returncode, 0, full.stderr)
                self.assertNotIn("More fields than required", full.stderr, "the UAT has fewer columns")
                short = self.load_uat(name, columns[:-1])
                self.assertNotEqual(short.returncode, 0, "the UAT has more columns")

    def test_pii_kinds_are_those_the_field_names(self):
        blurb = self.registered["xmtrack.pii"]["blurb"]
        named = set(re.findall(r"[a-z_]+", blurb.rsplit(":", 1)[-1]))
        kinds = of_kind(self.doc, "pii_kind")
        self.assertEqual({k for k in kinds if k not in NOT_YET_REGISTERED}, named,
                         "docs/fields.md's personal-data kinds and the kinds the registered "
                         "xmtrack.pii field names")
        for kind in kinds:
            if kind in NOT_YET_REGISTERED:
                with self.subTest(kind=kind):
                    self.assertNotIn(kind, named, f"{kind} is named now: take it out of NOT_YET_REGISTERED "
                                     "and its mark out of docs/fields.md")


class AgainstTheContract(unittest.TestCase):
    """(b): docs/fields.md and FIELDS.md, identical in every contract name and type."""

    @classmethod
    def setUpClass(cls):
        path, named = contract_path()
        if not os.path.exists(path):
            if named:
                raise AssertionError(f"XMTRACK_FIELD_CONTRACT names {path}, which does not exist")
            raise unittest.SkipTest(f"not run: no FIELDS.md at {path} (set XMTRACK_FIELD_CONTRACT)")
        cls.contract = parse(path)
        cls.doc = parse(DOC)

    def same(self, kind):
        want = {n: e.value for n, e in of_kind(self.contract, kind).items()}
        got = {n: e.value for n, e in of_kind(self.doc, kind).items()}
        self.assertTrue(want, f"FIELDS.md: no {kind} table read")
        self.assertEqual(got, want, f"docs/fields.md and FIELDS.md differ in their {kind} entries")

    def test_same_protocol(self):
        self.same("protocol")

    def test_same_fields_and_types(self):
        self.same("field")

    def test_same_expert_items(self):
        self.same("expert")

    def test_same_uats_and_columns(self):
        self.same("uat")

    def test_same_personal_data_kinds(self):
        self.assertEqual(set(of_kind(self.doc, "pii_kind")), contract_pii_kinds(self.contract))

    def test_own_fields_are_not_in_the_contract(self):
        contract = {e.name for e in self.contract}
        for kind in ("field", "uat"):
            for name in of_kind(self.doc, kind, own=True):
                with self.subTest(name=name):
                    self.assertNotIn(name, contract, "in the contract now: move it to the contract's table")


if __name__ == "__main__":
    unittest.main()
