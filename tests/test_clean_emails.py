"""Email standardisation: junk, typos, validity, placeholders, roles, disposables, keys."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.standardise.emails import COLUMNS, correct_domains, standardise_emails

_RESULTS: dict[str, dict] = {}


def one(raw: object) -> dict:
    """The output row for one raw value. All values of this module are standardised together in
    one call on first use (fast, and it exercises the distinct/join-back path)."""
    if not _RESULTS:
        raws = [c[0] for c in CASES] + [r for r, _ in ROLES] + [r for r, _ in DISPOSABLE] + [r for r, _ in KEYS]
        raws += ["ana@hotmial.com", "ana@nodomain", "no at sign"]
        out = standardise_emails(pd.Series(raws, dtype=object))
        _RESULTS.update({repr(r): out.iloc[i].to_dict() for i, r in enumerate(raws)})
    return _RESULTS[repr(raw)]


# (raw, email_std, email_valid, email_issue, email_correction)
CASES = [
    # junk around the address; typos of big providers and their national variants
    (" Jose.Garcia@GMIAL.COM ", "jose.garcia@gmail.com", True, None, "gmial.com → gmail.com"),
    ("María Pérez <MARIA.P@HOTMIAL.ES>", "maria.p@hotmail.es", True, None, "hotmial.es → hotmail.es"),
    ("mailto:beppe@libero.ir", "beppe@libero.it", True, None, "libero.ir → libero.it"),
    ("'ana@uol.com.bt',", "ana@uol.com.br", True, None, "uol.com.bt → uol.com.br"),
    ("joao@sapo.pt.", "joao@sapo.pt", True, None, None),
    ("pepe perez@gmail.com", "pepeperez@gmail.com", True, None, None),
    ("kate@gmail,com", "kate@gmail.com", True, None, None),
    ("rob@example.co.uk; rob2@work.co.uk", "rob@example.co.uk", True, None, None),
    # general TLD rules and the fuzzy rule, only when unambiguous
    ("juan@gmial.con", "juan@gmail.com", True, None, "gmial.con → gmail.com"),
    ("lea@icloud.co", "lea@icloud.com", True, None, "icloud.co → icloud.com"),
    ("tom@hotmail.cmo", "tom@hotmail.com", True, None, "hotmail.cmo → hotmail.com"),
    ("bob@gmaiil.com", "bob@gmail.com", True, None, "gmaiil.com → gmail.com"),
    ("ugo@virgillio.it", "ugo@virgilio.it", True, None, "virgillio.it → virgilio.it"),
    ("bob@hotmail.ed", "bob@hotmail.ed", True, None, None),  # .es or .de? ambiguous: left alone
    # real domains that look like typos are never "corrected"
    ("anna@gmx.com", "anna@gmx.com", True, None, None),
    ("anna@mail.com", "anna@mail.com", True, None, None),
    ("anna@me.com", "anna@me.com", True, None, None),
    ("anna@live.com", "anna@live.com", True, None, None),
    ("anna@ymail.com", "anna@ymail.com", True, None, None),
    # internationalised addresses
    ("josé@correo.es", "josé@correo.es", True, None, None),
    ("User@Bücher.de", "user@bücher.de", True, None, None),
    # invalid ones, with the reason
    ("a..b@gmail.com", "a..b@gmail.com", False, "bad local part", None),
    (".ana@gmail.com", "ana@gmail.com", True, None, None),  # a leading dot is junk
    ("ana@b.c", "ana@b.c", False, "bad domain", None),
    ("ana@-x.com", "ana@-x.com", False, "bad domain", None),
    ("ana.gmail.com", "ana.gmail.com", False, "no @", None),
    ("n/a", None, False, "missing", None),
    ("", None, False, "missing", None),
    (None, None, False, "missing", None),
    # placeholders: fine syntax, nobody's mailbox
    ("noemail@gmail.com", "noemail@gmail.com", False, "placeholder", None),
    ("none@none.com", "none@none.com", False, "placeholder", None),
    ("TEST@TEST.COM", "test@test.com", False, "placeholder", None),
    ("a@a.com", "a@a.com", False, "placeholder", None),
    ("sincorreo@hotmail.es", "sincorreo@hotmail.es", False, "placeholder", None),
    ("xxxx@yahoo.it", "xxxx@yahoo.it", False, "placeholder", None),
]


@pytest.mark.parametrize("raw, std, valid, issue, correction", CASES)
def test_hard_cases(raw, std, valid, issue, correction):
    row = one(raw)
    assert row["email_std"] == std
    assert row["email_valid"] is valid
    assert row["email_issue"] == issue
    assert row["email_correction"] == correction
    assert row["email_corrected"] is (correction is not None)


ROLES = [
    ("info@empresa.es", True),
    ("ventas@empresa.es", True),
    ("contacto@tienda.com", True),
    ("vendite@azienda.it", True),
    ("contato@loja.com.br", True),
    ("noreply@shop.com", True),
    ("info.madrid@empresa.es", True),
    ("soporte2@empresa.es", True),
    ("INFO+promo@x.com", True),
    ("maria.info@empresa.es", False),
    ("hector@empresa.es", False),
    ("ivan@empresa.es", False),
]
DISPOSABLE = [
    ("x1@mailinator.com", True),
    ("x1@yopmail.fr", True),
    ("x1@guerrillamail.com", True),
    ("x1@10minutemail.com", True),
    ("x1@inbox.mailinator.com", True),
    ("x1@gmail.com", False),
    ("x1@mailing.com", False),
]
KEYS = [
    ("Jose.Garcia+news@gmail.com", "josegarcia@gmail.com"),
    ("j.o.s.e.garcia@googlemail.com", "josegarcia@gmail.com"),
    ("jose.garcia@gmial.com", "josegarcia@gmail.com"),
    ("jose.garcia+shop@hotmail.es", "jose.garcia@hotmail.es"),
    ("+weird@empresa.es", "+weird@empresa.es"),
    ("none@none.com", None),  # placeholders and invalid addresses get no matching key
    ("a..b@gmail.com", None),
]


@pytest.mark.parametrize("raw, role", ROLES)
def test_role_addresses(raw, role):
    assert one(raw)["email_role"] is role


@pytest.mark.parametrize("raw, disposable", DISPOSABLE)
def test_disposable_domains(raw, disposable):
    row = one(raw)
    assert row["email_disposable"] is disposable
    assert row["email_std"].endswith(raw.split("@")[1])  # a disposable domain is never "corrected"


@pytest.mark.parametrize("raw, key", KEYS)
def test_matching_key(raw, key):
    assert one(raw)["email_key"] == key


def test_domain_column_follows_the_correction():
    row = one("ana@hotmial.com")
    assert row["email_domain"] == "hotmail.com"
    assert one("ana@nodomain")["email_issue"] == "bad domain"
    assert one("no at sign")["email_domain"] is None


def test_correct_domains_never_touches_known_or_far_domains():
    got = correct_domains(pd.Series(["gmx.es", "telefonica.net", "empresa-gmail.com", "gmail.com", "gmal.com"]))
    assert got.tolist() == ["gmx.es", "telefonica.net", "empresa-gmail.com", "gmail.com", "gmail.com"]


def test_index_preserved_raw_untouched_and_repeats_consistent():
    raw = pd.Series(
        [" A@GMIAL.COM", None, "b@x.es", " A@GMIAL.COM", 12345],
        index=["r9", "r1", "r5", "r2", "r0"],
        dtype=object,
        name="email",
    )
    before = raw.copy()
    out = standardise_emails(raw)
    assert list(out.columns) == COLUMNS
    assert out.index.equals(raw.index)
    pd.testing.assert_series_equal(raw, before)
    assert out.loc["r9"].to_dict() == out.loc["r2"].to_dict()
    assert out.loc["r0", "email_issue"] == "no @"
    assert out.email_valid.dtype == bool and out.email_role.dtype == bool


def test_empty_input():
    out = standardise_emails(pd.Series([], dtype=object))
    assert len(out) == 0 and list(out.columns) == COLUMNS
