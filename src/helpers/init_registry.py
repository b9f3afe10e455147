"""`clientela init`: propose a registry for files nobody has described yet.

A user with a new export should not have to open a spreadsheet and type a mapping before the
first run. This module looks at each file — its header words in English, Spanish, Italian and
Portuguese, and what its values look like (emails, phones, dates and their day/month order,
postcodes, unique ids) — and writes a `sources.yaml` whose every guess carries a comment saying
why, so the user reviews a proposal instead of writing from nothing. Columns it cannot place are
listed commented out. The result is meant to pass `clientela validate` as written.

Only the first SAMPLE_ROWS rows of each file are read; every test on them is a vectorised
pandas string operation. Nothing here is tuned to one file: the header words are a general
synonyms table (CONCEPTS), the value shapes general patterns.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from helpers.registry import DATE_COLUMNS, MAPPABLE_LINEAGE, is_within_allowed_tree
from helpers.schema import COLUMNS_BY_KIND
from helpers.text import ascii_words

SAMPLE_ROWS = 2000
SAMPLE_BYTES = 1 << 20  # of a text file: enough for SAMPLE_ROWS rows of any sane export
DELIMITERS = [",", ";", "\t", "|"]

# --- header words -------------------------------------------------------------------------------
# Concept -> header phrases, normalised (lower case, no accents, words split at any non-letter
# and between letters and digits: 'Apellido1' -> 'apellido 1'). A phrase matches when all its
# words are among the header's words; '=' marks a phrase that must be the whole header, for short
# words that mean something else inside longer names ('no' in 'cust no', 'via' in 'avia').
CONCEPTS: dict[str, list[str]] = {
    "title": [
        "title",
        "salutation",
        "honorific",
        "=prefix",
        "tratamiento",
        "saludo",
        "titolo",
        "=titulo",
        "trattamento",
        "=tratamento",
    ],
    "first_name": [
        "first name",
        "firstname",
        "given name",
        "forename",
        "fname",
        "=first",
        "nombre",
        "nombres",
        "=nome",
        "nome proprio",
        "primeiro nome",
        "prenom",
        "vorname",
    ],
    "middle_name": ["middle name", "middlename", "segundo nombre", "secondo nome", "nome do meio"],
    "last_name": [
        "last name",
        "lastname",
        "surname",
        "family name",
        "lname",
        "=last",
        "apellido",
        "apellidos",
        "cognome",
        "sobrenome",
        "apelido",
        "apelidos",
        "nachname",
    ],
    "full_name": [
        "full name",
        "fullname",
        "name",
        "nombre completo",
        "nombre y apellidos",
        "nome completo",
        "nominativo",
        "=cliente",
        "=contacto",
        "=contatto",
    ],
    "gender": ["gender", "sex", "sexo", "genero", "sesso", "genere"],
    "birth_date": [
        "dob",
        "date of birth",
        "birth date",
        "birthdate",
        "birthday",
        "born",
        "fecha nacimiento",
        "fecha de nacimiento",
        "nacimiento",
        "f nac",
        "fec nac",
        "data di nascita",
        "data nascita",
        "nascita",
        "data de nascimento",
        "nascimento",
        "dt nasc",
    ],
    "created": [
        "created",
        "creation date",
        "signup",
        "sign up",
        "signed up",
        "registered",
        "registration",
        "alta",
        "fecha alta",
        "registro",
        "registrazione",
        "iscrizione",
        "cadastro",
        "member since",
        "customer since",
        "joined",
        "opened",
        "subscribed",
        "creado",
        "creato",
        "criado",
    ],
    "updated": [
        "updated",
        "last update",
        "modified",
        "modificado",
        "modificacion",
        "actualizado",
        "actualizacion",
        "aggiornato",
        "aggiornamento",
        "atualizado",
        "atualizacao",
    ],
    "date": ["date", "fecha", "data", "timestamp", "datetime", "time", "at", "on", "when", "dia", "giorno"],
    "email": [
        "email",
        "e mail",
        "mail",
        "email address",
        "correo",
        "correo electronico",
        "posta elettronica",
        "=posta",
        "emailaddress",
    ],
    "phone": [
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cellphone",
        "telefono",
        "movil",
        "celular",
        "cellulare",
        "telefone",
        "telemovel",
        "contact number",
        "whatsapp",
    ],
    "address_line1": [
        "address",
        "address 1",
        "address line 1",
        "line 1",
        "street",
        "addr",
        "direccion",
        "domicilio",
        "calle",
        "indirizzo",
        "=via",
        "endereco",
        "morada",
        "=rua",
        "logradouro",
    ],
    "house_number": [
        "house number",
        "street number",
        "=number",
        "=no",
        "=num",
        "=numero",
        "=civico",
        "numero civico",
        "=nro",
        "=n",
    ],
    "address_line2": [
        "address 2",
        "address line 2",
        "line 2",
        "addr 2",
        "flat",
        "apartment",
        "apt",
        "suite",
        "piso",
        "puerta",
        "interno",
        "scala",
        "complemento",
        "andar",
    ],
    "city": [
        "city",
        "town",
        "locality",
        "ciudad",
        "localidad",
        "poblacion",
        "municipio",
        "citta",
        "comune",
        "localita",
        "cidade",
        "concelho",
        "localidade",
    ],
    "region": [
        "region",
        "state",
        "county",
        "province",
        "provincia",
        "comunidad",
        "regione",
        "distrito",
        "=uf",
        "=estado",
    ],
    "postcode": [
        "postcode",
        "post code",
        "postal code",
        "postal",
        "zip",
        "zipcode",
        "zip code",
        "=cp",
        "codigo postal",
        "cod postal",
        "=cap",
        "codice postale",
        "=cep",
        "=plz",
    ],
    "country": ["country", "country code", "countrycode", "pais", "paese", "nazione", "=nation"],
    "national_id": [
        "national id",
        "nationalid",
        "dni",
        "nif",
        "nie",
        "cpf",
        "codice fiscale",
        "tax id",
        "taxid",
        "tax code",
        "ssn",
        "social security",
        "passport",
        "documento",
        "id number",
        "identity number",
        "id card",
        "cedula",
        "curp",
        "rut",
        "cartao cidadao",
    ],
    "loyalty_card": [
        "loyalty",
        "loyalty card",
        "loyalty no",
        "member number",
        "membership",
        "tarjeta",
        "fidelidad",
        "fidelizacion",
        "carta fedelta",
        "fedelta",
        "fidelidade",
        "cartao",
    ],
    "company": [
        "company",
        "company name",
        "employer",
        "organisation",
        "organization",
        "empresa",
        "azienda",
        "societa",
        "compania",
        "ditta",
    ],
    "job_title": [
        "job title",
        "job",
        "position",
        "occupation",
        "profession",
        "role",
        "cargo",
        "puesto",
        "ocupacion",
        "profesion",
        "professione",
        "mansione",
        "occupazione",
        "profissao",
        "ocupacao",
    ],
    "interests": ["interests", "interest", "intereses", "interessi", "interesses", "hobbies"],
    "referral_source": [
        "referral",
        "referral source",
        "how did you hear",
        "utm source",
        "event",
        "campaign",
        "origen",
        "fuente",
        "fonte",
        "origem",
        "evento",
    ],
    "device": ["device", "dispositivo", "platform", "user agent"],
    "email_opt_in": [
        "email opt in",
        "opt in email",
        "email optin",
        "newsletter",
        "accepts marketing",
        "email marketing",
        "email consent",
        "consent email",
        "consenso email",
    ],
    "phone_opt_in": [
        "phone opt in",
        "opt in phone",
        "sms opt in",
        "opt in sms",
        "sms marketing",
        "=sms",
        "phone consent",
        "opt in tel",
    ],
    "mail_opt_in": ["mail opt in", "opt in mail", "post opt in", "opt in post", "postal opt in", "direct mail"],
    "customer_ref": [
        "customer",
        "customer id",
        "customer ref",
        "customer number",
        "client",
        "client id",
        "cliente",
        "id cliente",
        "codigo cliente",
        "codice cliente",
        "account",
        "user id",
    ],
    "transaction_id": [
        "order",
        "order id",
        "order number",
        "receipt",
        "receipt no",
        "transaction",
        "transaction id",
        "invoice",
        "pedido",
        "factura",
        "recibo",
        "ordine",
        "fattura",
        "scontrino",
        "encomenda",
        "fatura",
    ],
    "interaction_id": [
        "case",
        "case id",
        "ticket",
        "ticket id",
        "interaction id",
        "caso",
        "incidencia",
        "chamado",
        "pratica",
    ],
    "amount": [
        "amount",
        "total",
        "value",
        "price",
        "revenue",
        "importe",
        "importo",
        "valor",
        "precio",
        "prezzo",
        "preco",
        "monto",
        "montante",
    ],
    "currency": ["currency", "moneda", "divisa", "valuta", "moeda", "ccy"],
    "category": ["category", "categoria", "product category", "department", "departamento", "reparto"],
    "channel": ["channel", "canal", "canale"],
    "promotion": [
        "promo",
        "promotion",
        "discount",
        "discount code",
        "coupon",
        "voucher",
        "descuento",
        "cupon",
        "sconto",
        "desconto",
        "cupom",
    ],
    "status": ["status", "stato", "situacion", "situacao"],
    "type": ["type", "tipo", "kind"],
    "reason": ["reason", "motivo", "causa", "razon", "bounce type"],
}
_PHRASES = [(c, p.lstrip("="), p.startswith("=")) for c, ps in CONCEPTS.items() for p in ps]
ID_WORDS = {
    "id",
    "no",
    "nr",
    "num",
    "number",
    "code",
    "codigo",
    "cod",
    "codice",
    "ref",
    "key",
    "uuid",
    "identifier",
    "numero",
    "nro",
}
ORDINALS = {
    "1",
    "2",
    "3",
    "first",
    "second",
    "primer",
    "primero",
    "segundo",
    "primo",
    "secondo",
    "primeiro",
    "paterno",
    "materno",
}
OLD_WORDS = {
    "old",
    "previous",
    "former",
    "antiguo",
    "antigua",
    "anterior",
    "vecchio",
    "vecchia",
    "precedente",
    "antigo",
    "antiga",
}
NEW_WORDS = {"new", "current", "nuevo", "nueva", "actual", "nuovo", "nuova", "attuale", "novo", "nova", "atual"}

# Concept -> canonical column, per kind ('date' and friends name that kind's date column).
_PEOPLE = {c: c for c in COLUMNS_BY_KIND["people"]} | {
    "birth_date": "date_of_birth",
    "created": "signup_date",
    "updated": "record_updated_at",
}
CANONICAL: dict[str, dict[str, str]] = {
    "people": _PEOPLE,
    "transactions": {
        "transaction_id": "transaction_id",
        "customer_ref": "customer_ref",
        "loyalty_card": "customer_ref",
        "date": "transaction_at",
        "created": "transaction_at",
        "amount": "amount",
        "currency": "currency",
        "category": "product_category",
        "channel": "channel",
        "promotion": "promotion",
    },
    "interactions": {
        "interaction_id": "interaction_id",
        "customer_ref": "customer_ref",
        "loyalty_card": "customer_ref",
        "date": "interaction_at",
        "created": "interaction_at",
        "type": "interaction_type",
        "category": "category",
        "channel": "channel",
        "status": "status",
    },
    "suppressions": {c: c for c in COLUMNS_BY_KIND["suppressions"]}
    | {"date": "event_at", "created": "event_at", "updated": "event_at", "type": "reason"},
    "address_changes": {c: c for c in ("first_name", "last_name", "full_name")}
    | {"date": "effective_date", "created": "effective_date"},
}
DATED = {"birth_date", "created", "updated", "date"}
# Address concepts an address-change file carries twice, as old_<x> and new_<x>.
MOVING = {"address_line1", "address_line2", "city", "region", "postcode", "country"}
# Canonical columns that may be composed of several source columns (README: composed columns).
COMPOSABLE = {"last_name", "address_line1"}

# File-name words of suppression lists and the reason each implies (None: the file must say).
SUPPRESSION_WORDS = {
    "unsub": "unsubscribe",
    "optout": "unsubscribe",
    "opt_out": "unsubscribe",
    "baja": "unsubscribe",
    "disiscri": "unsubscribe",
    "descadastr": "unsubscribe",
    "do_not_call": "do_not_call",
    "donotcall": "do_not_call",
    "dnc": "do_not_call",
    "robinson": "do_not_call",
    "mail_preference": "mail_preference",
    "mps": "mail_preference",
    "deceased": "deceased",
    "fallecid": "deceased",
    "erasure": "erasure",
    "gdpr": "erasure",
    "rgpd": "erasure",
    "complaint": "complaint",
    "bounce": None,
    "rebote": None,
    "suppress": None,
    "blacklist": None,
    "blocklist": None,
}

# --- value shapes -------------------------------------------------------------------------------
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[^@\s]+"
PHONE_RE = r"\+?[\d(][\d\s().\-/]{5,}\d(\s*(x|ext\.?|#)\s*\d+)?"
DMY_RE = r"(\d{1,2})([./\- ])(\d{1,2})[./\- ](\d{4}|\d{2})(?:[ T](\d{1,2}:\d{2})(:\d{2})?)?"
ISO_RE = r"\d{4}-\d{2}-\d{2}(?:[ T].*)?"
COMPACT_RE = r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
POSTCODE_RE = (
    r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"  # GB
    r"|\d{4}-\d{3}|\d{5}-\d{3}|\d{5}(-\d{4})?|\d{4}"
)  # PT, BR, ES/IT/US, four-digit codes
GENDERS = {
    "m",
    "f",
    "h",
    "x",
    "male",
    "female",
    "man",
    "woman",
    "hombre",
    "mujer",
    "masculino",
    "femenino",
    "maschio",
    "femmina",
    "uomo",
    "donna",
    "homem",
    "mulher",
    "feminino",
    "other",
    "otro",
    "altro",
    "outro",
    "non-binary",
    "nonbinary",
    "d",
}
FLAGS = {"y", "n", "yes", "no", "true", "false", "si", "sí", "sim", "nao", "não", "0", "1", "t", "f"}


@dataclass
class Sample:
    """The first rows of one file, every value as stripped text (None when empty)."""

    path: Path
    format: str
    frame: pd.DataFrame
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # setting -> why it was chosen


def normalise(header: str) -> list[str]:
    """A header as lower-case, accent-free words: 'Código_Postal' -> ['codigo', 'postal']."""
    text = ascii_words(str(header))
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    return re.findall(r"[a-z0-9]+", text)


# --- reading samples ----------------------------------------------------------------------------


def sniff_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, why): UTF-8 when the bytes decode as UTF-8 (a cut last character forgiven),
    else cp1252 — what Windows exports from Spain, Italy and Portugal mostly are — when at most a
    few bytes per thousand lines are foreign to it (corrupted lines, which stage 01 quarantines),
    else latin-1, which decodes any byte."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "starts with a UTF-8 byte-order mark"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return "utf-8", "decodes as UTF-8"
    except UnicodeDecodeError:
        pass
    bad = data.decode("cp1252", errors="replace").count("\ufffd")
    if bad <= 5 * (data.count(b"\n") + 1) / 1000:
        extra = f" except {bad} byte(s), on lines stage 01 will quarantine" if bad else ""
        return "cp1252", f"not valid UTF-8; decodes as Windows cp1252{extra}"
    return "latin-1", "neither UTF-8 nor cp1252; latin-1 reads any byte"


def sniff_delimiter(lines: list[str]) -> tuple[str, str]:
    """(delimiter, why): the candidate that splits the header into most fields while giving the
    same field count on most of the first lines (quotes respected)."""
    best, best_key = ",", (-1.0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines[:50], delimiter=d)]
        if not counts or counts[0] < 2:
            continue
        key = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if key > best_key:
            best, best_key = d, key
    if best_key[1] < 2:
        return ",", "one column only: no delimiter found, comma assumed"
    return best, f"{best_key[1]} fields on {best_key[0]:.0%} of the first lines"


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as stripped text, empty -> None, names as text."""
    out = {}
    for name in frame.columns:
        col = frame[name].astype("string").str.strip()
        out[str(name).strip()] = col.where(col.notna() & (col != ""), None).astype(object)
    return pd.DataFrame(out)


def read_sample(path: Path) -> Sample:
    """The first SAMPLE_ROWS rows of a csv, jsonl, xlsx or parquet file (by its extension)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("csv", "txt", "tsv"):
        data = path.open("rb").read(SAMPLE_BYTES)
        encoding, why_enc = sniff_encoding(data)
        text = data.decode(encoding, errors="replace")
        if len(data) == SAMPLE_BYTES:
            text = text[: text.rfind("\n") + 1]  # whole lines only
        lines = text.splitlines()
        delimiter, why_delim = sniff_delimiter(lines)
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            nrows=SAMPLE_ROWS,
            on_bad_lines="skip",
            engine="python",
        )
        return Sample(
            path, "csv", _text_frame(frame), encoding, delimiter, notes={"encoding": why_enc, "delimiter": why_delim}
        )
    if suffix in ("jsonl", "ndjson", "json"):
        data = path.open("rb").read(SAMPLE_BYTES)
        encoding, why_enc = sniff_encoding(data)
        rows = []
        for line in data.decode(encoding, errors="replace").splitlines()[:SAMPLE_ROWS]:
            try:
                obj = json.loads(line)
            except ValueError:
                continue  # a truncated line; stage 01 quarantines it
            if isinstance(obj, dict):
                rows.append(_flatten(obj))
        return Sample(path, "jsonl", _text_frame(pd.DataFrame(rows)), encoding, notes={"encoding": why_enc})
    if suffix in ("xlsx", "xlsm", "xls"):
        from python_calamine import CalamineWorkbook

        from helpers.ingest import _cells_as_text

        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.sheet_names[0]
        cells = wb.get_sheet_by_name(sheet).to_python(nrows=SAMPLE_ROWS + 1)
        header = [str(c).strip() for c in cells[0]] if cells else []
        body = pd.DataFrame(cells[1:], columns=header, dtype=object)
        frame = pd.DataFrame({c: _cells_as_text(body[c]) for c in header})
        note = "the first sheet" + (f" of {wb.sheet_names}" if len(wb.sheet_names) > 1 else "")
        return Sample(
            path, "xlsx", _text_frame(frame), sheet=sheet if len(wb.sheet_names) > 1 else None, notes={"sheet": note}
        )
    if suffix == "parquet":
        import pyarrow.parquet as pq

        batch = next(pq.ParquetFile(path).iter_batches(batch_size=SAMPLE_ROWS), None)
        frame = batch.to_pandas() if batch is not None else pd.DataFrame()
        return Sample(path, "parquet", _text_frame(frame))
    raise ValueError(f"{path}: unknown file type '.{suffix}' (csv, jsonl, xlsx or parquet)")


def _flatten(obj: dict, prefix: str = "") -> dict:
    """A JSON object with nested objects as dotted keys, as stage 01 reads it."""
    out: dict = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = ";".join(map(str, value))
        elif isinstance(value, bool):
            out[f"{prefix}{key}"] = "true" if value else "false"
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- what one column looks like -----------------------------------------------------------------


@dataclass
class Profile:
    """A column's header words and value shapes (shares of its non-empty sampled values)."""

    name: str
    words: list[str]
    filled: float
    unique: bool  # (nearly) every sampled value given and distinct: a candidate record id
    shares: dict[str, float]
    date_format: str | None = None  # for date columns: the strftime hint, None for ISO
    date_note: str = ""
    examples: list[str] = field(default_factory=list)
    median_year: float | None = None


def profile_column(name: str, values: pd.Series) -> Profile:
    """Shapes of one column, each a vectorised match over the sample."""
    given = values.dropna().astype(str)
    n = max(len(given), 1)
    low = given.str.lower()

    def share(mask: pd.Series) -> float:
        return float(mask.sum()) / n

    digits = given.str.count(r"\d")
    iso = given.str.fullmatch(ISO_RE)
    dmy = given.str.extract("^" + DMY_RE + "$")
    compact = given.str.fullmatch(COMPACT_RE)
    is_dmy = dmy[0].notna()
    shares = {
        "email": share(given.str.fullmatch(EMAIL_RE)),
        "phone": share(given.str.fullmatch(PHONE_RE, case=False) & digits.between(7, 15) & ~iso & ~is_dmy),
        "phone_marks": share(given.str.contains(r"^\+|\d[\s().\-/]\d")),  # spaced or +: not an id
        "date": share(iso | is_dmy | compact),
        "postcode": share(given.str.fullmatch(POSTCODE_RE)),
        "gender": share(low.isin(GENDERS)) if low.nunique() <= 8 else 0.0,
        "flag": share(low.isin(FLAGS)) if low.nunique() <= 3 else 0.0,
        "country": share(given.str.fullmatch(r"[A-Za-z]{2}")) if low.nunique() <= 250 else 0.0,
        "amount": share(given.str.fullmatch(r"-?\d+[.,]\d{1,2}")),
        "currency": share(given.str.fullmatch(r"[A-Z]{3}")) if given.nunique() <= 30 else 0.0,
    }
    filled = len(given) / max(len(values), 1)
    # An id column of a real export may repeat a few ids (a record exported twice): 99% will do.
    unique = len(given) > 0 and filled >= 0.95 and given.nunique() >= 0.99 * len(given)
    p = Profile(name, normalise(name), filled, unique, shares, examples=list(dict.fromkeys(given.head(50)))[:3])
    if shares["date"] >= 0.8:
        p.date_format, p.date_note = _date_format(given, iso, dmy, compact)
        years = pd.concat([given[iso].str[:4], given[compact].str[:4], dmy[3][is_dmy]]).astype(int)
        years = years.where(years >= 100, years + 1900)
        p.median_year = float(years.median()) if len(years) else None
    return p


def _date_format(given: pd.Series, iso: pd.Series, dmy: pd.DataFrame, compact: pd.Series) -> tuple[str | None, str]:
    """The strftime hint of a date column and why. Day and month order comes from values over 12:
    one in the first place means day first, in the second month first; with none, the column is
    ambiguous and read day first (stage 02's default), which the note says."""
    kinds = {"iso": int(iso.sum()), "dmy": int(dmy[0].notna().sum()), "compact": int(compact.sum())}
    main = max(kinds, key=kinds.__getitem__)
    if main == "iso":
        return None, "ISO dates (yyyy-mm-dd): read without a format"
    if main == "compact":
        return "%Y%m%d", "compact dates yyyymmdd"
    parts = dmy.dropna(subset=[0])
    first, second = parts[0].astype(int), parts[2].astype(int)
    sep = parts[1].mode().iloc[0]
    year = "%Y" if (parts[3].str.len() == 4).mean() >= 0.5 else "%y"
    clock = ""
    if parts[4].notna().mean() >= 0.5:
        clock = " %H:%M" + (":%S" if parts[5].notna().mean() >= 0.5 else "")
    day_first, month_first = int((first > 12).sum()), int((second > 12).sum())
    if month_first > day_first:
        order, note = ("%m", "%d"), f"month first: second number over 12 in {month_first} value(s)"
    elif day_first:
        order, note = ("%d", "%m"), f"day first: first number over 12 in {day_first} value(s)"
    else:
        order, note = ("%d", "%m"), "AMBIGUOUS: no value over 12 shows the order; day first assumed, check it"
    return f"{order[0]}{sep}{order[1]}{sep}{year}{clock}", note


# --- from profiles to a proposal ----------------------------------------------------------------


def header_concepts(words: list[str]) -> dict[str, float]:
    """Concept -> score from the header: 3 for a whole-header phrase, 2 for a phrase whose words
    are all in the header, plus a little per word so the longer, more specific phrase wins."""
    scores: dict[str, float] = {}
    joined, wordset = " ".join(words), set(words)
    for concept, phrase, whole in _PHRASES:
        pw = phrase.split()
        if joined == phrase or joined.replace(" ", "") == phrase.replace(" ", ""):
            score = 3.0 + 0.2 * len(pw)
        elif not whole and set(pw) <= wordset:
            score = 2.0 + 0.2 * len(pw)
        else:
            continue
        scores[concept] = max(scores.get(concept, 0.0), score)
    return scores


def content_concepts(p: Profile, today: date) -> dict[str, tuple[float, str]]:
    """Concept -> (score, evidence) from the values alone, for columns whose header says nothing
    or to confirm it. A date column is a birth date when most of its years lie well in the past."""
    s, out = p.shares, {}
    if s["email"] >= 0.6:
        out["email"] = (2.5, f"{s['email']:.0%} of values look like emails")
    if s["phone"] >= 0.6 and (not p.unique or s["phone_marks"] >= 0.5):  # a unique number is an id
        out["phone"] = (2.1, f"{s['phone']:.0%} of values look like phone numbers")
    if s["date"] >= 0.8:
        old = p.median_year is not None and p.median_year < today.year - 18
        out["birth_date" if old else "date"] = (
            2.1,
            f"dates{' (mostly decades ago: birth dates?)' if old else ''}; {p.date_note}",
        )
    if s["gender"] >= 0.9:
        out["gender"] = (2.1, "values like M/F")
    if s["postcode"] >= 0.8 and s["date"] < 0.5 and not p.unique and s["amount"] < 0.5:
        out["postcode"] = (1.5, f"{s['postcode']:.0%} of values look like postcodes")
    if s["amount"] >= 0.8:
        out["amount"] = (1.5, "decimal amounts")
    if s["currency"] >= 0.9:
        out["currency"] = (1.5, "three-letter currency codes")
    if s["country"] >= 0.9:
        out["country"] = (1.2, "two-letter codes (countries?)")
    return out


def guess_kind(sample: Sample, concepts: dict[str, dict[str, float]]) -> tuple[str, str]:
    """(kind, why), from the file name and which concepts its columns carry."""
    stem = "_".join(normalise(sample.path.stem))
    found = {
        max(scores, key=scores.__getitem__) for scores in concepts.values() if scores and max(scores.values()) >= 2
    }
    moving = [n for n, sc in concepts.items() if sc.get("_old") or sc.get("_new")]
    if len(moving) >= 2:
        return "address_changes", f"old/new address columns ({', '.join(moving[:4])})"
    hits = [w for w in SUPPRESSION_WORDS if w in stem or w in stem.replace("_", "")]
    if hits:
        return "suppressions", f"the file name says '{hits[0]}'"
    person = found & {"first_name", "last_name", "full_name", "email", "phone", "birth_date", "address_line1"}
    if "amount" in found and len(person) < 2:
        return "transactions", "an amount column and no person details"
    if found & {"interaction_id", "status"} and len(person) < 2:
        return "interactions", "case/status columns and no person details"
    if len(sample.frame.columns) <= 4 and found & {"email", "phone"} and not person - {"email", "phone"}:
        return "suppressions", "only a contact column and a date: a list of contacts to leave alone?"
    extra = (
        " (it also has case/status columns: register it a second time as kind: interactions)"
        if found & {"interaction_id", "status", "type"}
        else ""
    )
    return "people", f"person details: {', '.join(sorted(person)) or 'none found'}{extra}"


@dataclass
class Proposal:
    """One registry entry as proposed, with the reason for each choice."""

    sample: Sample
    name: str
    kind: str
    why_kind: str
    columns: dict[str, list[str]]  # canonical -> source column(s), in the file's order
    why: dict[str, str]  # canonical -> evidence
    unplaced: list[Profile]
    profiles: list[Profile]
    id_column: str | None = None
    why_id: str = ""
    date_format: str | None = None
    why_date: str = ""
    date_formats: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    hints: list[tuple[str, str]] = field(default_factory=list)  # commented suggestions and why


def propose_source(sample: Sample, name: str, today: date | None = None) -> Proposal:
    """Map one sampled file to the canonical schema: score every (column, canonical) pair from
    the header and the values, then take pairs best first, each column and canonical once."""
    today = today or date.today()
    profiles = [profile_column(c, sample.frame[c]) for c in sample.frame.columns]
    concepts: dict[str, dict[str, float]] = {}
    for p in profiles:
        # In nested JSON the last part names the value ('address.city' is a city, not an address).
        scores = header_concepts(normalise(p.name.rsplit(".", 1)[-1])) or header_concepts(p.words)
        # 'old_postcode', 'cp_anterior', 'nuevo domicilio': one side of a move, read without the side.
        side = "_old" if set(p.words) & OLD_WORDS else "_new" if set(p.words) & NEW_WORDS else None
        core = header_concepts([w for w in p.words if w not in OLD_WORDS | NEW_WORDS]) if side else {}
        if side is not None and core.keys() & MOVING:  # core is empty without a side
            scores = {**scores, **core, side: 1.0}
        concepts[p.name] = scores
    kind, why_kind = guess_kind(sample, concepts)

    candidates: list[tuple[float, int, str, str, str]] = []  # score, column order, column, canonical, why
    for order, p in enumerate(profiles):
        content = content_concepts(p, today)
        header = concepts[p.name]
        for concept in set(header) | set(content):
            canon = _canonical(kind, concept, header)
            if canon is None:
                continue
            score, because = header.get(concept, 0.0), f"header '{p.name}'" if concept in header else ""
            # Values that are dates confirm any dated header (a sign-up, an update, a birth date).
            seen = content.get(concept) or (concept in DATED and (content.get("date") or content.get("birth_date")))
            if seen:
                score += seen[0] if not score else 0.5
                because = "; ".join(filter(None, [because, seen[1]]))
            candidates.append((score, -order, p.name, canon, because))

    allowed = set(COLUMNS_BY_KIND[kind]) | MAPPABLE_LINEAGE
    columns: dict[str, list[str]] = {}
    why: dict[str, str] = {}
    used: set[str] = set()
    for score, _, col, canon, evidence in sorted(candidates, reverse=True):
        if score < 2 or col in used or canon not in allowed:
            continue
        if canon in columns:
            if canon in COMPOSABLE and _best(candidates, col) == canon and _composes(columns[canon][0], col):
                columns[canon].append(col)  # a second surname, a house number beside the street
                why[canon] += f"; '{col}' joined to it"
                used.add(col)
            continue
        columns[canon], why[canon] = [col], evidence
        used.add(col)
    position = {c: i for i, c in enumerate(sample.frame.columns)}
    for canon in columns:
        columns[canon].sort(key=position.__getitem__)

    prop = Proposal(sample, name, kind, why_kind, columns, why, [p for p in profiles if p.name not in used], profiles)
    by_name = {p.name: p for p in profiles}
    _propose_id(prop, profiles)
    _propose_dates(prop, by_name)
    _propose_constants(prop, by_name)
    return prop


def _canonical(kind: str, concept: str, header: dict[str, float]) -> str | None:
    """The canonical column a concept fills in a file of this kind ('date' in a people file is
    its sign-up date; an address part of an address-change file is old_ or new_)."""
    if kind == "address_changes" and concept in MOVING:
        side = "old" if "_old" in header else "new" if "_new" in header else None
        return f"{side}_{concept}" if side else None
    if concept == "house_number":
        return "address_line1" if kind in ("people", "suppressions", "address_changes") else None
    if kind == "people" and concept == "date":
        return "signup_date"
    return CANONICAL[kind].get(concept)


def _composes(placed: str, extra: str) -> bool:
    """Whether `extra` is a second part of the column already placed, not a rival for it: the
    same header but for an ordinal ('apellido1' + 'apellido2', 'primer/segundo apellido',
    'apellido paterno/materno'), or a house number beside a street."""
    if "house_number" in header_concepts(normalise(extra)):
        return True
    rest = [set(normalise(h)) - ORDINALS for h in (placed, extra)]
    return rest[0] == rest[1] and bool(rest[0])


def _best(candidates: list[tuple[float, int, str, str, str]], column: str) -> str | None:
    """The canonical column a source column scores highest for."""
    mine = [c for c in candidates if c[2] == column]
    return max(mine)[3] if mine else None


def _propose_id(prop: Proposal, profiles: list[Profile]) -> None:
    """The record id: the first column, in file order, that is filled and unique in the sample
    and whose header says id/number/code (or '#'), or that is the transaction / case id."""
    taken = {
        c for canon, cols in prop.columns.items() for c in cols if canon not in ("transaction_id", "interaction_id")
    }
    for p in profiles:
        if (
            p.unique
            and p.name not in taken
            and (
                set(p.words) & ID_WORDS
                or "#" in p.name
                or p.name in prop.columns.get("transaction_id", [])
                or p.name in prop.columns.get("interaction_id", [])
            )
        ):
            prop.id_column, prop.why_id = p.name, "an id by its name, unique in the sampled rows"
            prop.unplaced = [u for u in prop.unplaced if u.name != p.name]
            return
    prop.why_id = "no unique id column found: rows get row-<n> as their id"


def _propose_dates(prop: Proposal, by_name: dict[str, Profile]) -> None:
    """The source's date_format is the format most mapped date columns share; a column written
    otherwise gets its own entry in date_formats. ISO columns need none."""
    dated = [c for c in DATE_COLUMNS[prop.kind] if c in prop.columns and len(prop.columns[c]) == 1]
    formats = {
        c: by_name[prop.columns[c][0]].date_format for c in dated if by_name[prop.columns[c][0]].shares["date"] >= 0.8
    }
    given = [f for f in formats.values() if f]
    if not given:
        prop.why_date = "dates are ISO (yyyy-mm-dd) or none found: no format needed"
        return
    prop.date_format = max(sorted(set(given)), key=given.count)  # ties: the same pick every run
    main = [c for c, f in formats.items() if f == prop.date_format]
    prop.why_date = "; ".join(f"{prop.columns[c][0]}: {by_name[prop.columns[c][0]].date_note}" for c in main)
    for canon, fmt in formats.items():
        if fmt and fmt != prop.date_format:
            prop.date_formats[canon] = fmt


def _propose_constants(prop: Proposal, by_name: dict[str, Profile]) -> None:
    """Suppression lists: channel from the contact column they hold, reason from the file name;
    transactions: how customer_ref links to people; people: a default country to consider."""
    if prop.kind == "suppressions":
        stem = "_".join(normalise(prop.sample.path.stem))
        reason = next((r for w, r in SUPPRESSION_WORDS.items() if w in stem or w in stem.replace("_", "")), None)
        has = set(prop.columns)
        channel = (
            "phone"
            if reason == "do_not_call"
            else "mail"
            if reason == "mail_preference"
            else "email"
            if "email" in has and "phone" not in has
            else "phone"
            if "phone" in has and "email" not in has
            else "mail"
            if "address_line1" in has and not has & {"email", "phone"}
            else None
        )
        if channel:
            prop.constants["channel"] = channel
        if reason and "reason" not in prop.columns:
            prop.constants["reason"] = reason
        if "reason" in prop.columns:
            given = by_name[prop.columns["reason"][0]].examples
            recode = {v: f"{v.lower()}_bounce" for v in given if v.lower() in ("hard", "soft")}
            if recode:
                prop.values["reason"] = recode
    if prop.kind in ("transactions", "interactions") and "customer_ref" in prop.columns:
        ref = prop.columns["customer_ref"][0]
        if "loyalty_card" in header_concepts(normalise(ref)):
            prop.hints.append(("links_to: {field: loyalty_card}", "customer_ref holds loyalty card numbers"))
        else:
            prop.hints.append(("links_to: {source: NAME}", "the people source whose ids customer_ref holds"))
    if "country" in prop.columns:
        top = prop.sample.frame[prop.columns["country"][0]].dropna().str.upper().value_counts()
        if len(top) and re.fullmatch(r"[A-Z]{2}", top.index[0]):
            prop.hints.append(
                (f"country: {top.index[0]}", "default country for rows without one: the most common value")
            )


# --- writing the registry -----------------------------------------------------------------------


def source_name(path: Path, taken: set[str]) -> str:
    """A snake_case source name from the file name, unique in the registry."""
    plain = ascii_words(path.stem)
    base = "_".join(re.findall(r"[a-z0-9]+", plain)) or "source"
    base = base if base[0].isalpha() else f"s_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _q(value: str) -> str:
    """A YAML scalar: double-quoted JSON text, valid YAML for any string."""
    return json.dumps(value, ensure_ascii=False)


def _line(text: str, comment: str = "", indent: int = 4) -> str:
    body = " " * indent + text
    return f"{body:<44}  # {comment}" if comment else body


def render(proposals: list[Proposal], out: Path) -> str:
    """The registry text: every guess with its reason in a comment."""
    lines = [
        "# Source registry proposed by `clientela init`. Every value is a guess with its reason:",
        "# review each one, then run `clientela validate --sources THIS_FILE`.",
        "# Columns it could not place are listed commented out under `columns:`; map them by hand",
        "# (canonical names per kind: src/helpers/schema.py, README 'Bring your own data').",
        "",
        "sources:",
    ]
    for p in proposals:
        s = p.sample
        notes = {u.name: u.date_note for u in p.profiles}
        rel = os.path.relpath(s.path.resolve(), out.resolve().parent)
        lines.append(f"  - name: {p.name}  # from the file name")
        lines.append(_line(f"path: {_q(rel)}"))
        if not is_within_allowed_tree(s.path.resolve(), out.resolve().parent):
            lines.append(_line("allow_outside: true", "the file is outside this registry's project: you named it"))
        lines.append(_line(f"format: {s.format}", "from the file extension"))
        if s.format in ("csv", "jsonl"):
            lines.append(_line(f"encoding: {s.encoding}", "guess: " + s.notes.get("encoding", "")))
        if s.format == "csv":
            lines.append(_line(f"delimiter: {_q(s.delimiter)}", "guess: " + s.notes.get("delimiter", "")))
        if s.sheet is not None:
            lines.append(_line(f"sheet: {_q(s.sheet)}", s.notes["sheet"]))
        if p.date_format:
            lines.append(_line(f"date_format: {_q(p.date_format)}", "guess: " + p.why_date))
        else:
            lines.append(_line('# date_format: "%d/%m/%Y"', p.why_date))
        if p.date_formats:
            lines.append(_line("date_formats:", "date columns written differently from date_format"))
            for canon, fmt in p.date_formats.items():
                col = p.columns[canon][0]
                lines.append(_line(f"{canon}: {_q(fmt)}", f"{col}: {notes.get(col, '')}", indent=6))
        others = " | ".join(k for k in COLUMNS_BY_KIND if k != p.kind)
        lines.append(_line(f"kind: {p.kind}", f"guess: {p.why_kind}; others: {others}"))
        if p.id_column:
            lines.append(_line(f"id_column: {_q(p.id_column)}", "guess: " + p.why_id))
        else:
            lines.append(_line("# id_column: COLUMN", p.why_id))
        lines.append(
            _line("extracted_at: file_mtime", "when the file was exported: put the real timestamp or {column: NAME}")
        )
        lines.append(_line("# cadence: daily", "how often it refreshes: hourly | daily | weekly | monthly | quarterly"))
        lines += [_line("# " + h, why) for h, why in p.hints]
        if p.constants:
            lines.append(
                _line(
                    "constants: {" + ", ".join(f"{k}: {v}" for k, v in p.constants.items()) + "}",
                    "guess: fixed for the whole file (channel by its contact column, reason by its name)",
                )
            )
        if p.values:
            lines.append(
                _line("values: " + json.dumps(p.values, ensure_ascii=False), "guess: recode to canonical reasons")
            )
        lines.append("    columns:")
        for canon in [c for c in COLUMNS_BY_KIND[p.kind] + sorted(MAPPABLE_LINEAGE) if c in p.columns]:
            cols = p.columns[canon]
            target = _q(cols[0]) if len(cols) == 1 else "[" + ", ".join(map(_q, cols)) + "]"
            lines.append(_line(f"{canon}: {target}", p.why[canon], indent=6))
        for u in p.unplaced:
            seen = ", ".join(_q(e) for e in u.examples) or "always empty"
            lines.append(_line(f"# ?: {_q(u.name)}", f"not placed; values: {seen}"[:100], indent=6))
    return "\n".join(lines) + "\n"


def propose_registry(paths: list[Path], out: Path, today: date | None = None) -> tuple[str, list[Proposal]]:
    """The registry text proposed for these files, written relative to `out`, and the proposals."""
    proposals: list[Proposal] = []
    taken: set[str] = set()
    for path in paths:
        name = source_name(path, taken)
        taken.add(name)
        try:
            sample = read_sample(Path(path))
        except ValueError as exc:  # pandas' EmptyDataError, a bad sheet …: name the file
            raise ValueError(f"{path}: cannot be read: {exc}") from exc
        proposals.append(propose_source(sample, name, today))
    return render(proposals, out), proposals
