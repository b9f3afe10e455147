"""Curated reference lists the generator draws from: countries, cities, streets, names, domains.

Everything that makes the synthetic customers *look like* the company's real customers lives
here, as plain data, so that a reviewer can read it and argue about it without reading any
generator logic. Faker is used only to pull the long tails of first names and surnames out of
its locale providers once (cached); it is never called per row, so output does not depend on
Faker's random state, only on its (pinned) word lists.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

COUNTRIES: tuple[str, ...] = ("ES", "IT", "PT", "BR", "GB", "US")
COUNTRY_WEIGHTS: tuple[float, ...] = (0.25, 0.15, 0.10, 0.15, 0.15, 0.20)
FAKER_LOCALE = {"ES": "es_ES", "IT": "it_IT", "PT": "pt_PT", "BR": "pt_BR", "GB": "en_GB", "US": "en_US"}
CURRENCY = {"ES": "EUR", "IT": "EUR", "PT": "EUR", "BR": "BRL", "GB": "GBP", "US": "USD"}
# Rough price level per currency relative to EUR, so a BRL basket is not priced like a EUR one.
CURRENCY_FACTOR = {"EUR": 1.0, "BRL": 5.4, "GBP": 0.86, "USD": 1.08}
CALLING_CODE = {"ES": "34", "IT": "39", "PT": "351", "BR": "55", "GB": "44", "US": "1"}

# Free-text spellings of each country as people and systems write them.
COUNTRY_NAMES = {
    "ES": ("Spain", "España", "ES", "Espana", "spain", "ESPAÑA", "ESP"),
    "IT": ("Italy", "Italia", "IT", "italia", "ITALIA", "ITA"),
    "PT": ("Portugal", "PT", "portugal", "PORTUGAL", "PRT"),
    "BR": ("Brazil", "Brasil", "BR", "brasil", "BRASIL", "BRA"),
    "GB": ("United Kingdom", "UK", "GB", "England", "Great Britain", "U.K.", "Scotland"),
    "US": ("United States", "USA", "US", "U.S.", "United States of America", "U.S.A.", "usa"),
}


@dataclass(frozen=True)
class City:
    """A real city with what the generator needs to make consistent addresses and phones.

    postcode: a spec interpreted by addresses.py —
      ("n5", lo, hi)              five digits, zero padded, drawn in [lo, hi] (ES, IT, US)
      ("pt", lo, hi)              "NNNN-NNN" with NNNN in [lo, hi]
      ("br", lo, hi)              "NNNNN-NNN" with NNNNN in [lo, hi]
      ("gb", (("SW", 1, 20), ..)) outward area letters + district number, inward "9AA"
    area: landline NSN prefixes (area code without trunk '0', sometimes plus the first local digit,
      keeping to ranges phonenumbers knows as allocated); one is drawn per household. For BR and US
      the first two/three digits double as the DDD/area code of mobiles.
    """

    name: str
    region: str
    code: str  # three letters, used in store ids
    weight: float
    postcode: tuple
    area: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # how people type the city in free text


CITIES: dict[str, tuple[City, ...]] = {
    "ES": (
        City("Madrid", "Madrid", "MAD", 30, ("n5", 28001, 28055), ("91",), ("MADRID", "madrid", "Mad")),
        City("Barcelona", "Barcelona", "BCN", 22, ("n5", 8001, 8042), ("93",), ("BCN", "Barna", "barcelona")),
        City("Valencia", "Valencia", "VLC", 9, ("n5", 46001, 46026), ("96",), ("València", "valencia")),
        City("Sevilla", "Sevilla", "SVQ", 8, ("n5", 41001, 41020), ("95",), ("Seville", "sevilla")),
        City("Zaragoza", "Zaragoza", "ZAZ", 6, ("n5", 50001, 50021), ("976",), ("zaragoza",)),
        City("Málaga", "Málaga", "AGP", 6, ("n5", 29001, 29018), ("95",), ("Malaga", "malaga")),
        City("Bilbao", "Bizkaia", "BIO", 4, ("n5", 48001, 48015), ("94",), ("Bilbo",)),
        City("Murcia", "Murcia", "MJV", 4, ("n5", 30001, 30012), ("968",), ("murcia",)),
        City("Palma", "Illes Balears", "PMI", 4, ("n5", 7001, 7015), ("971",), ("Palma de Mallorca",)),
        City("Valladolid", "Valladolid", "VLL", 3, ("n5", 47001, 47017), ("983",), ("valladolid",)),
        City("A Coruña", "A Coruña", "LCG", 3, ("n5", 15001, 15011), ("981",), ("La Coruña", "Coruña")),
        City("Alicante", "Alicante", "ALC", 4, ("n5", 3001, 3016), ("96",), ("Alacant",)),
    ),
    "IT": (
        City("Roma", "RM", "ROM", 28, ("n5", 118, 199), ("06",), ("Rome", "ROMA")),
        City("Milano", "MI", "MIL", 22, ("n5", 20121, 20162), ("02",), ("Milan", "MILANO")),
        City("Napoli", "NA", "NAP", 10, ("n5", 80121, 80147), ("081",), ("Naples",)),
        City("Torino", "TO", "TRN", 9, ("n5", 10121, 10156), ("011",), ("Turin",)),
        City("Palermo", "PA", "PMO", 6, ("n5", 90121, 90151), ("091",), ("palermo",)),
        City("Genova", "GE", "GOA", 6, ("n5", 16121, 16167), ("010",), ("Genoa",)),
        City("Bologna", "BO", "BLQ", 6, ("n5", 40121, 40141), ("051",), ("bologna",)),
        City("Firenze", "FI", "FLR", 6, ("n5", 50121, 50145), ("055",), ("Florence",)),
        City("Bari", "BA", "BRI", 4, ("n5", 70121, 70132), ("080",), ("bari",)),
        City("Venezia", "VE", "VCE", 3, ("n5", 30121, 30176), ("041",), ("Venice", "Mestre")),
    ),
    "PT": (
        City("Lisboa", "Lisboa", "LIS", 35, ("pt", 1000, 1990), ("21",), ("Lisbon", "LISBOA")),
        City("Porto", "Porto", "OPO", 22, ("pt", 4000, 4369), ("22",), ("Oporto", "PORTO")),
        City("Braga", "Braga", "BRG", 8, ("pt", 4700, 4719), ("253",), ("braga",)),
        City("Coimbra", "Coimbra", "CBR", 7, ("pt", 3000, 3049), ("239",), ("coimbra",)),
        City("Faro", "Faro", "FAO", 5, ("pt", 8000, 8009), ("289",), ("faro",)),
        City("Aveiro", "Aveiro", "AVR", 5, ("pt", 3800, 3819), ("234",), ("aveiro",)),
        City("Setúbal", "Setúbal", "STB", 5, ("pt", 2900, 2914), ("265",), ("Setubal",)),
        City("Funchal", "Madeira", "FNC", 5, ("pt", 9000, 9064), ("291",), ("funchal",)),
        City("Évora", "Évora", "EVO", 4, ("pt", 7000, 7009), ("266",), ("Evora",)),
        City("Viseu", "Viseu", "VSE", 4, ("pt", 3500, 3519), ("232",), ("viseu",)),
    ),
    "BR": (
        City("São Paulo", "SP", "SAO", 34, ("br", 1000, 5999), ("11",), ("Sao Paulo", "SP", "Sampa")),
        City("Rio de Janeiro", "RJ", "RIO", 20, ("br", 20000, 23799), ("21",), ("Rio", "RJ")),
        City("Belo Horizonte", "MG", "BHZ", 8, ("br", 30000, 31999), ("31",), ("BH",)),
        City("Brasília", "DF", "BSB", 7, ("br", 70000, 72799), ("61",), ("Brasilia",)),
        City("Salvador", "BA", "SSA", 6, ("br", 40000, 42599), ("71",), ("salvador",)),
        City("Fortaleza", "CE", "FOR", 6, ("br", 60000, 61599), ("85",), ("fortaleza",)),
        City("Curitiba", "PR", "CWB", 6, ("br", 80000, 82999), ("41",), ("curitiba",)),
        City("Recife", "PE", "REC", 5, ("br", 50000, 52999), ("81",), ("recife",)),
        City("Porto Alegre", "RS", "POA", 5, ("br", 90000, 91999), ("51",), ("POA",)),
        City("Manaus", "AM", "MAO", 3, ("br", 69000, 69099), ("92",), ("manaus",)),
    ),
    "GB": (
        City("London", "Greater London", "LON", 40,
             ("gb", (("SW", 1, 20), ("SE", 1, 28), ("N", 1, 22), ("E", 1, 18), ("W", 1, 14), ("NW", 1, 11))),
             ("207", "208", "203"), ("LONDON", "london", "Londres")),
        City("Manchester", "Greater Manchester", "MAN", 10, ("gb", (("M", 1, 40),)), ("161",), ("manchester",)),
        City("Birmingham", "West Midlands", "BHM", 10, ("gb", (("B", 1, 45),)), ("1212", "1213", "1214", "1215", "1216", "1217"), ("B'ham",)),
        City("Leeds", "West Yorkshire", "LDS", 7, ("gb", (("LS", 1, 29),)), ("1132", "1133", "1134", "1135", "1138"), ("leeds",)),
        City("Glasgow", "Glasgow City", "GLA", 7, ("gb", (("G", 1, 80),)), ("141",), ("glasgow",)),
        City("Liverpool", "Merseyside", "LPL", 6, ("gb", (("L", 1, 38),)), ("151",), ("liverpool",)),
        City("Bristol", "City of Bristol", "BRS", 5, ("gb", (("BS", 1, 16),)), ("1172", "1173", "1179"), ("bristol",)),
        City("Edinburgh", "City of Edinburgh", "EDI", 5, ("gb", (("EH", 1, 17),)), ("1312", "1313", "1314", "1315", "1316"), ("Edinburgh ",)),
        City("Sheffield", "South Yorkshire", "SHF", 4, ("gb", (("S", 1, 14),)), ("1142", "1143", "1144", "1145"), ("sheffield",)),
        City("Newcastle upon Tyne", "Tyne and Wear", "NCL", 4, ("gb", (("NE", 1, 15),)), ("191",), ("Newcastle",)),
        City("Cardiff", "South Glamorgan", "CWL", 4, ("gb", (("CF", 10, 24),)), ("2920",), ("cardiff",)),
    ),
    "US": (
        City("New York", "NY", "NYC", 24, ("n5", 10001, 10282), ("212", "646", "718", "917"), ("NYC", "New York City", "Manhattan")),
        City("Los Angeles", "CA", "LAX", 14, ("n5", 90001, 90089), ("213", "310", "323", "818"), ("LA", "L.A.")),
        City("Chicago", "IL", "CHI", 10, ("n5", 60601, 60661), ("312", "773"), ("chicago",)),
        City("Houston", "TX", "HOU", 8, ("n5", 77001, 77099), ("713", "281", "832"), ("houston",)),
        City("Phoenix", "AZ", "PHX", 6, ("n5", 85001, 85054), ("602", "480"), ("phoenix",)),
        City("Philadelphia", "PA", "PHL", 6, ("n5", 19102, 19154), ("215", "267"), ("Philly",)),
        City("San Francisco", "CA", "SFO", 6, ("n5", 94102, 94134), ("415", "628"), ("SF", "San Fran")),
        City("Boston", "MA", "BOS", 6, ("n5", 2108, 2137), ("617", "857"), ("boston",)),
        City("Miami", "FL", "MIA", 6, ("n5", 33125, 33196), ("305", "786"), ("miami",)),
        City("Seattle", "WA", "SEA", 5, ("n5", 98101, 98199), ("206",), ("seattle",)),
        City("Atlanta", "GA", "ATL", 5, ("n5", 30303, 30363), ("404", "678"), ("ATL",)),
        City("Denver", "CO", "DEN", 4, ("n5", 80202, 80249), ("303", "720"), ("denver",)),
    ),
}

# Street types with weights, and the abbreviations people and systems use for them.
STREET_TYPES: dict[str, tuple[tuple[str, float, str], ...]] = {
    "ES": (("Calle", 60, "C/"), ("Avenida", 15, "Avda."), ("Plaza", 6, "Pza."), ("Paseo", 8, "Pº"),
           ("Ronda", 3, "Rda."), ("Camino", 3, "Cno."), ("Travesía", 5, "Trva.")),
    "IT": (("Via", 70, "V."), ("Viale", 10, "V.le"), ("Piazza", 7, "P.za"), ("Corso", 7, "C.so"),
           ("Largo", 3, "L.go"), ("Vicolo", 3, "Vic.")),
    "PT": (("Rua", 70, "R."), ("Avenida", 15, "Av."), ("Travessa", 7, "Tv."), ("Largo", 4, "Lg."),
           ("Praça", 4, "Pç.")),
    "BR": (("Rua", 70, "R."), ("Avenida", 18, "Av."), ("Alameda", 5, "Al."), ("Travessa", 4, "Tv."),
           ("Praça", 3, "Pç.")),
    "GB": (("Street", 30, "St"), ("Road", 35, "Rd"), ("Lane", 10, "Ln"), ("Avenue", 10, "Ave"),
           ("Close", 5, "Cl"), ("Drive", 5, "Dr"), ("Gardens", 3, "Gdns"), ("Way", 2, "Way")),
    "US": (("Street", 35, "St"), ("Avenue", 20, "Ave"), ("Drive", 12, "Dr"), ("Road", 10, "Rd"),
           ("Boulevard", 5, "Blvd"), ("Lane", 8, "Ln"), ("Court", 5, "Ct"), ("Place", 5, "Pl")),
}

STREET_NAMES: dict[str, tuple[str, ...]] = {
    "ES": ("Mayor", "Real", "de Alcalá", "Gran Vía", "de la Constitución", "de San Juan", "de Cervantes",
           "del Carmen", "de la Iglesia", "Nueva", "del Sol", "de Goya", "de Serrano", "de Velázquez",
           "de la Paz", "de Andalucía", "de Colón", "de Valencia", "de Aragón", "del Pilar", "de Santa Ana",
           "de la Libertad", "de los Reyes Católicos", "del Rosario", "de Miguel de Unamuno",
           "de Blasco Ibáñez", "del Doctor Fleming", "de Antonio Machado", "de García Lorca",
           "de Pablo Picasso", "de la Estación", "del Mar", "de Castilla", "de la Rioja", "de Toledo",
           "de Segovia", "de Bravo Murillo", "de la Princesa", "de Fuencarral", "del Prado",
           "de San Vicente", "de Sagasta", "de Ramón y Cajal", "de Juan de la Cierva", "de Lope de Vega",
           "de Santa Teresa", "del General Ricardos", "de Alfonso XIII", "de las Acacias", "de los Olivos",
           "de Extremadura", "de Cataluña", "de la Marina", "de la Ilustración", "de Menéndez Pelayo",
           "de Isaac Peral", "de Joaquín Costa", "de Rafael Alberti", "de la Virgen del Puerto", "de Galicia"),
    "IT": ("Roma", "Garibaldi", "Giuseppe Mazzini", "Vittorio Emanuele II", "Cavour", "Dante Alighieri",
           "Giacomo Matteotti", "Antonio Gramsci", "XX Settembre", "IV Novembre", "della Repubblica",
           "dei Mille", "Guglielmo Marconi", "Nazionale", "del Corso", "Trieste", "Trento",
           "Alessandro Manzoni", "Giuseppe Verdi", "Giacomo Leopardi", "San Francesco", "Santa Maria",
           "dei Fiori", "della Libertà", "Aldo Moro", "Giosuè Carducci", "Cristoforo Colombo",
           "Fratelli Bandiera", "Tuscolana", "Appia Nuova", "Nomentana", "Toledo", "Po",
           "dell'Indipendenza", "Cesare Battisti", "Nino Bixio", "Enrico Fermi", "Luigi Pirandello",
           "Michelangelo Buonarroti", "Leonardo da Vinci", "San Giovanni", "della Stazione",
           "Umberto I", "Regina Margherita", "Papa Giovanni XXIII", "delle Rose", "dei Mulini",
           "Pietro Nenni", "Sandro Pertini", "Torino", "Milano", "Napoli", "Venezia", "Firenze"),
    "PT": ("Augusta", "da Liberdade", "de Santa Catarina", "do Carmo", "da República", "25 de Abril",
           "dos Combatentes", "de Camões", "Almirante Reis", "da Boavista", "de São Bento",
           "Dom João IV", "do Comércio", "da Prata", "do Ouro", "Garrett", "Infante Dom Henrique",
           "Marquês de Pombal", "da Igreja", "de Santo António", "das Flores", "Cândido dos Reis",
           "Miguel Bombarda", "Sá da Bandeira", "Alexandre Herculano", "Gago Coutinho",
           "Fontes Pereira de Melo", "de Roma", "dos Aliados", "Luís de Camões", "de Cedofeita",
           "Morais Soares", "da Escola Politécnica", "de São João", "da Alegria", "Direita",
           "do Almada", "Heróis do Ultramar", "5 de Outubro", "1º de Maio", "Vasco da Gama",
           "Bartolomeu Dias", "Pedro Álvares Cabral", "do Mercado", "da Estação", "das Amoreiras"),
    "BR": ("Augusta", "da Consolação", "Paulista", "das Flores", "XV de Novembro", "Sete de Setembro",
           "Getúlio Vargas", "Rio Branco", "Tiradentes", "Santos Dumont", "Barão do Rio Branco",
           "Marechal Deodoro", "Dom Pedro II", "Visconde de Pirajá", "Oscar Freire", "Haddock Lobo",
           "Frei Caneca", "Bela Cintra", "Teodoro Sampaio", "Amazonas", "Brasil", "Presidente Vargas",
           "Nossa Senhora de Copacabana", "Afonso Pena", "da Independência", "São João", "Ipiranga",
           "Rui Barbosa", "José Bonifácio", "Castro Alves", "Machado de Assis", "Treze de Maio",
           "Voluntários da Pátria", "Duque de Caxias", "Floriano Peixoto", "Princesa Isabel",
           "Padre Anchieta", "Bento Gonçalves", "Joaquim Nabuco", "Carlos Gomes", "Boa Viagem",
           "Beira Mar", "das Palmeiras", "dos Andradas", "Conselheiro Furtado", "Sergipe", "Bahia"),
    "GB": ("High", "Station", "Church", "Park", "Victoria", "Green", "Manor", "Kings", "Queens", "Mill",
           "School", "North", "South", "London", "Albert", "York", "Grange", "Chester", "Baker",
           "Oxford", "Cambridge", "Windsor", "Richmond", "Princess", "New", "Springfield", "Highfield",
           "Stanley", "Clarence", "George", "Alexandra", "Elm", "Oak", "Beech", "Willow", "Meadow",
           "Orchard", "Castle", "Bridge", "Market", "Chapel", "West", "Cedar", "Hawthorn", "Moor",
           "Broad", "Sandy", "Wellington", "Nelson", "St John's", "St Mary's", "Queen's", "Fairfield",
           "Woodland", "Priory", "Beaconsfield", "Denmark", "Cromwell", "Gladstone", "Waterloo"),
    "US": ("Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Walnut",
           "Sunset", "Lincoln", "Jefferson", "Madison", "Franklin", "Highland", "Church", "Jackson",
           "Adams", "Spring", "Ridge", "Willow", "River", "Center", "Broadway", "Market", "Mill", "Union",
           "Chestnut", "Lafayette", "Grand", "Cherry", "Forest", "Meadow", "Valley", "Hickory",
           "Magnolia", "1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "12th",
           "14th", "23rd", "34th", "42nd", "Lexington", "Columbus", "Amsterdam", "Mission", "Pacific",
           "Ocean", "Peachtree", "Colfax", "Michigan", "Wilshire", "Mulberry", "Dogwood", "Sycamore"),
}

# US addresses sometimes carry a directional before the street name.
US_DIRECTIONALS = ("N", "S", "E", "W")

EMAIL_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    "ES": (("gmail.com", 45), ("hotmail.com", 15), ("hotmail.es", 10), ("yahoo.es", 5), ("outlook.com", 6),
           ("outlook.es", 4), ("icloud.com", 5), ("telefonica.net", 3), ("movistar.es", 2), ("yahoo.com", 3),
           ("live.com", 2)),
    "IT": (("gmail.com", 40), ("libero.it", 15), ("hotmail.it", 10), ("yahoo.it", 8), ("outlook.it", 4),
           ("virgilio.it", 5), ("alice.it", 4), ("tiscali.it", 3), ("icloud.com", 5), ("fastwebnet.it", 3),
           ("live.it", 3)),
    "PT": (("gmail.com", 50), ("hotmail.com", 15), ("sapo.pt", 12), ("outlook.pt", 5), ("outlook.com", 5),
           ("yahoo.com", 4), ("icloud.com", 4), ("netcabo.pt", 3), ("live.com.pt", 2)),
    "BR": (("gmail.com", 50), ("hotmail.com", 15), ("yahoo.com.br", 8), ("outlook.com", 7), ("uol.com.br", 6),
           ("bol.com.br", 4), ("terra.com.br", 3), ("icloud.com", 4), ("live.com", 3)),
    "GB": (("gmail.com", 35), ("hotmail.co.uk", 12), ("yahoo.co.uk", 8), ("outlook.com", 8),
           ("btinternet.com", 7), ("icloud.com", 8), ("live.co.uk", 4), ("sky.com", 5), ("aol.com", 2),
           ("talktalk.net", 3), ("virginmedia.com", 3)),
    "US": (("gmail.com", 45), ("yahoo.com", 15), ("hotmail.com", 7), ("outlook.com", 8), ("icloud.com", 10),
           ("aol.com", 5), ("comcast.net", 4), ("att.net", 2), ("msn.com", 2), ("verizon.net", 2)),
}

# Providers people used to have: the dead addresses of email changers live here.
OLD_EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "ES": ("terra.es", "ya.com", "wanadoo.es", "hotmail.es", "yahoo.es", "telefonica.net", "ono.com"),
    "IT": ("tin.it", "tiscali.it", "libero.it", "virgilio.it", "alice.it", "email.it"),
    "PT": ("clix.pt", "sapo.pt", "netcabo.pt", "iol.pt", "mail.telepac.pt"),
    "BR": ("ig.com.br", "bol.com.br", "terra.com.br", "uol.com.br", "oi.com.br", "zipmail.com.br"),
    "GB": ("btinternet.com", "virgin.net", "tiscali.co.uk", "ntlworld.com", "blueyonder.co.uk", "aol.co.uk"),
    "US": ("aol.com", "earthlink.net", "juno.com", "netzero.net", "sbcglobal.net", "att.net"),
}

# Misspelt domains as typed on forms; any other domain gets a generic typo.
DOMAIN_TYPOS: dict[str, tuple[str, ...]] = {
    "gmail.com": ("gmial.com", "gmai.com", "gmail.con", "gmal.com", "gamil.com", "gmail.co", "gmail.cm"),
    "hotmail.com": ("hotmial.com", "hotmail.con", "hotmal.com", "hotmai.com", "hotmail.cm"),
    "hotmail.es": ("hotmial.es", "hotmail.ess", "hotmai.es"),
    "hotmail.it": ("hotmial.it", "hotmai.it"),
    "hotmail.co.uk": ("hotmail.co.uj", "hotmial.co.uk", "hotmail.com.uk"),
    "yahoo.com": ("yaho.com", "yahoo.con", "yahooo.com", "yhoo.com"),
    "yahoo.es": ("yaho.es", "yahoo.ed"),
    "yahoo.it": ("yaho.it",),
    "yahoo.co.uk": ("yahoo.co.uj", "yaho.co.uk"),
    "yahoo.com.br": ("yaho.com.br", "yahoo.com.bt"),
    "outlook.com": ("outlok.com", "outlook.con", "outloo.com"),
    "icloud.com": ("iclod.com", "icloud.con", "icoud.com"),
    "libero.it": ("libro.it", "libero.ti", "lbero.it"),
    "uol.com.br": ("uol.com.bt", "uol.con.br"),
    "sapo.pt": ("sapo.ot", "spo.pt"),
    "btinternet.com": ("btinternet.con", "btinterent.com"),
}

# Nicknames the generator may substitute for a formal first name (formal -> nicknames).
# This table is the generator's own; the pipeline keeps a separate one on purpose.
NICKNAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ES": {"José": ("Pepe",), "Francisco": ("Paco", "Curro", "Fran"), "Dolores": ("Lola",),
           "Concepción": ("Concha", "Conchi"), "Ignacio": ("Nacho",), "José María": ("Chema",),
           "Manuel": ("Manolo",), "Antonio": ("Toni",), "Enrique": ("Quique",), "Rosario": ("Charo",),
           "Mercedes": ("Merche",), "Guadalupe": ("Lupe",), "Jesús": ("Chus", "Chuchi"),
           "Francisca": ("Paqui", "Paca"), "Alejandro": ("Álex",), "Josefa": ("Pepa",),
           "Roberto": ("Rober",), "Cristina": ("Cris",), "Daniel": ("Dani",)},
    "IT": {"Giuseppe": ("Beppe", "Pino", "Peppe"), "Luigi": ("Gigi",), "Alessandro": ("Sandro", "Alex"),
           "Elisabetta": ("Betta",), "Francesco": ("Franco", "Checco"), "Giovanni": ("Gianni", "Nanni"),
           "Salvatore": ("Totò", "Turi"), "Antonio": ("Tonino", "Totò"), "Domenico": ("Mimmo",),
           "Vincenzo": ("Enzo",), "Roberto": ("Bob",), "Giuseppina": ("Pina",), "Francesca": ("Franci",),
           "Massimiliano": ("Max",), "Federico": ("Fede",)},
    "PT": {"José": ("Zé",), "Francisco": ("Chico", "Xico"), "António": ("Tó", "Toni"),
           "Augusto": ("Guto",), "Manuel": ("Manel", "Nelo"), "Fernando": ("Nando",),
           "Margarida": ("Guida",), "Isabel": ("Bela",), "Joaquim": ("Quim",)},
    "BR": {"José": ("Zé",), "Francisco": ("Chico",), "Antônio": ("Tonho", "Toninho"),
           "Augusto": ("Guto",), "Eduardo": ("Dudu",), "Luiz": ("Lula",), "Fernando": ("Nando",),
           "Gabriel": ("Gabi",), "Rafael": ("Rafa",), "Roberto": ("Beto",), "Alberto": ("Beto",),
           "Gabriela": ("Gabi",), "Mariana": ("Mari",)},
    "GB": {"Robert": ("Rob", "Bob", "Bobby"), "William": ("Bill", "Will", "Billy"),
           "Elizabeth": ("Liz", "Beth", "Lizzie"), "James": ("Jim", "Jimmy", "Jamie"),
           "Katherine": ("Kate", "Katie"), "Catherine": ("Cathy", "Kate"), "Anthony": ("Tony", "Ant"),
           "Michael": ("Mike", "Mick"), "Richard": ("Rich", "Dick"), "Thomas": ("Tom", "Tommy"),
           "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"), "Margaret": ("Maggie", "Peggy"),
           "Jennifer": ("Jen", "Jenny"), "Stephen": ("Steve",), "Andrew": ("Andy",), "David": ("Dave",),
           "Rebecca": ("Becky",), "Samantha": ("Sam",), "Alexander": ("Alex",), "Edward": ("Ed", "Ted"),
           "Matthew": ("Matt",), "Nicholas": ("Nick",), "Jonathan": ("Jon",), "Susan": ("Sue",)},
    "US": {"Robert": ("Rob", "Bob", "Bobby"), "William": ("Bill", "Will", "Billy"),
           "Elizabeth": ("Liz", "Beth", "Betty"), "James": ("Jim", "Jimmy"),
           "Katherine": ("Kate", "Kathy"), "Catherine": ("Cathy", "Kate"), "Anthony": ("Tony",),
           "Michael": ("Mike",), "Richard": ("Rick", "Dick"), "Thomas": ("Tom",),
           "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"), "Margaret": ("Peggy", "Maggie"),
           "Jennifer": ("Jen", "Jenny"), "Joseph": ("Joe", "Joey"), "Patricia": ("Pat", "Patty", "Trish"),
           "Charles": ("Chuck", "Charlie"), "Steven": ("Steve",), "Andrew": ("Andy", "Drew"),
           "Jessica": ("Jess",), "Samuel": ("Sam",), "Benjamin": ("Ben",), "Kimberly": ("Kim",),
           "Deborah": ("Debbie", "Deb"), "Alexander": ("Alex",), "Matthew": ("Matt",)},
}

# Honorifics by country and gender (index 0 female, 1 male).
SALUTATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ES": (("Sra.", "Dña.", "Sra. Dña."), ("Sr.", "D.", "Sr. D.")),
    "IT": (("Sig.ra", "Dott.ssa", "Sig.ra"), ("Sig.", "Dott.", "Sig.")),
    "PT": (("Sra.", "Sra. D.", "Dra."), ("Sr.", "Sr. Dr.", "Eng.")),
    "BR": (("Sra.", "Dra.", "Sra."), ("Sr.", "Dr.", "Sr.")),
    "GB": (("Mrs", "Ms", "Miss", "Dr"), ("Mr", "Mr", "Dr")),
    "US": (("Mrs.", "Ms.", "Miss", "Dr."), ("Mr.", "Mr.", "Dr.")),
}

# How the legacy CRM spells gender, by country: (female, male) spelling pairs with weights.
# Note the Spanish convention H(ombre)/M(ujer): in ES rows "M" means female.
CRM_GENDER: dict[str, tuple[tuple[str, str, float], ...]] = {
    "ES": (("M", "H", 45), ("Mujer", "Hombre", 30), ("F", "M", 5), ("", "", 20)),
    "IT": (("F", "M", 50), ("Donna", "Uomo", 25), ("", "", 25)),
    "PT": (("F", "M", 50), ("Feminino", "Masculino", 30), ("", "", 20)),
    "BR": (("F", "M", 50), ("Feminino", "Masculino", 30), ("", "", 20)),
    "GB": (("F", "M", 50), ("Female", "Male", 30), ("", "", 20)),
    "US": (("F", "M", 50), ("Female", "Male", 30), ("", "", 20)),
}

PRODUCT_CATEGORIES: tuple[tuple[str, float, float], ...] = (
    # name, weight, typical basket value in EUR (lognormal median)
    ("running", 14, 75), ("cycling", 7, 120), ("yoga", 8, 40), ("fitness", 12, 55), ("outdoor", 10, 90),
    ("fashion", 18, 45), ("kids", 9, 35), ("home", 8, 60), ("tech", 6, 150), ("beauty", 8, 30),
)
INTERESTS: tuple[str, ...] = ("running", "cycling", "yoga", "fitness", "outdoor", "fashion", "kids", "home",
                              "tech", "travel", "beauty", "football")
REFERRAL_SOURCES: tuple[tuple[str, float], ...] = (
    ("google", 30), ("facebook", 14), ("instagram", 16), ("tiktok", 8), ("friend_referral", 9),
    ("newsletter", 7), ("affiliate", 5), ("direct", 11))
DEVICES: tuple[tuple[str, float], ...] = (("mobile", 62), ("desktop", 30), ("tablet", 8))
DISCOUNT_CODES: tuple[str, ...] = ("WELCOME10", "SUMMER25", "FREESHIP", "VIP15", "XMAS20", "SPRING15", "APP5")
CASE_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("delivery", 30), ("refund", 18), ("product_quality", 15), ("billing", 12), ("account", 15), ("other", 10))

# Events where staff typed leads into the spreadsheet, by country.
EVENTS: dict[str, tuple[str, ...]] = {
    "ES": ("Maratón de Madrid Expo", "Barcelona Running Fest", "Feria Outdoor Valencia", "Pop-up Gran Vía"),
    "IT": ("Milano Design Week", "Roma Marathon Expo", "Fiera Outdoor Torino"),
    "PT": ("Web Summit Lisboa", "Porto Running Expo", "Feira Desportiva Braga"),
    "BR": ("Bienal São Paulo", "Rio Fitness Expo", "Feira Esportiva BH"),
    "GB": ("London Marathon Expo", "Manchester Fitness Show", "Outdoor Show Birmingham"),
    "US": ("NYC Marathon Expo", "Boston Fitness Expo", "Outdoor Retailer Denver", "Miami Beach Pop-up"),
}
LEAD_NOTES: tuple[str, ...] = (
    "interested in running shoes", "wants catalogue", "call back next week", "VIP", "yoga classes?",
    "asked about kids range", "prize draw", "sent brochure", "already customer?", "returning visitor",
    "no phone calls pls", "interested in bikes", "email only", "met at stand 12", "!!")

# ---------------------------------------------------------------------------------------------
# Names: curated common heads (the names that make real namesakes) + Faker's long tails.
# ---------------------------------------------------------------------------------------------

FIRST_HEADS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # (female, male), most common first
    "ES": (("María Carmen", "María", "Carmen", "Ana María", "Laura", "María Pilar", "Josefa", "Isabel",
            "María Dolores", "Cristina", "Lucía", "Marta", "Ana", "María José", "Francisca", "Antonia",
            "Dolores", "Sara", "Paula", "Elena", "Concepción", "Pilar", "Mercedes", "Rosa María", "Raquel",
            "Rosario", "Manuela", "Teresa", "Silvia", "Patricia"),
           ("Antonio", "José", "Manuel", "Francisco", "David", "Juan", "Javier", "José Antonio", "Daniel",
            "José Luis", "Francisco Javier", "Carlos", "Jesús", "Alejandro", "Miguel", "José Manuel",
            "Rafael", "Pablo", "Pedro", "Ángel", "Sergio", "Fernando", "Jorge", "Luis", "Alberto",
            "José María", "Juan Carlos", "Ignacio", "Enrique", "Roberto")),
    "IT": (("Maria", "Anna", "Giuseppina", "Rosa", "Angela", "Giovanna", "Teresa", "Lucia", "Carmela",
            "Caterina", "Francesca", "Anna Maria", "Antonietta", "Carla", "Elena", "Concetta", "Rita",
            "Margherita", "Laura", "Paola", "Giulia", "Sara", "Chiara", "Elisabetta", "Maria Grazia"),
           ("Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Angelo", "Vincenzo", "Pietro",
            "Salvatore", "Carlo", "Franco", "Domenico", "Bruno", "Paolo", "Michele", "Giorgio", "Marco",
            "Alessandro", "Andrea", "Luca", "Roberto", "Stefano", "Gian Luca", "Massimiliano")),
    "PT": (("Maria", "Ana", "Joana", "Mariana", "Sofia", "Beatriz", "Inês", "Catarina", "Sara", "Rita",
            "Maria João", "Ana Rita", "Margarida", "Carolina", "Patrícia", "Fernanda", "Isabel", "Teresa",
            "Helena", "Maria José"),
           ("João", "José", "António", "Francisco", "Manuel", "Luís", "Pedro", "Carlos", "Jorge", "Rui",
            "Paulo", "Miguel", "Tiago", "Ricardo", "Nuno", "João Pedro", "Diogo", "Rodrigo", "Afonso",
            "Fernando", "Joaquim", "Augusto")),
    "BR": (("Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Patrícia",
            "Aline", "Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia", "Luciana",
            "Vanessa", "Mariana", "Ana Paula", "Maria Eduarda", "Gabriela"),
           ("José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz", "Marcos",
            "Luis", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo",
            "Rodrigo", "João Pedro", "Carlos Eduardo", "Augusto", "Roberto")),
    "GB": (("Mary Ann", "Sarah Jane", "Anne Marie", "Elizabeth", "Katherine", "Catherine", "Margaret",
            "Jennifer", "Rebecca", "Samantha", "Susan"),
           ("John Paul", "Robert", "William", "James", "Anthony", "Michael", "Richard", "Thomas", "Edward",
            "Nicholas", "Jonathan")),
    "US": (("Mary Ann", "Mary Beth", "Elizabeth", "Katherine", "Catherine", "Margaret", "Jennifer",
            "Patricia", "Jessica", "Kimberly", "Deborah"),
           ("John Paul", "Robert", "William", "James", "Anthony", "Michael", "Richard", "Joseph", "Charles",
            "Steven", "Samuel", "Benjamin")),
}

SURNAME_HEADS: dict[str, tuple[str, ...]] = {
    "ES": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero",
           "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez",
           "Serrano", "Blanco", "Molina"),
    "IT": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
           "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
           "Lombardi", "Moretti"),
    "PT": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus",
           "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro",
           "Pinto", "Carvalho"),
    "BR": ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
           "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes",
           "Vieira", "Barbosa"),
    "GB": ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
           "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
           "Hall"),
    "US": (),  # Faker's en_US surnames already carry census frequencies
}

# Share of draws that come from the curated head (the rest from Faker's tail, uniformly).
HEAD_SHARE_FIRST = 0.55
HEAD_SHARE_SURNAME = 0.50


def _zipf(k: int, s: float = 0.9, offset: float = 3.0) -> np.ndarray:
    """Zipf-like weights for a list ordered most common first."""
    w = 1.0 / (np.arange(k) + offset) ** s
    return w / w.sum()


def _faker_list(country: str, attr: str) -> tuple[list[str], np.ndarray | None]:
    """One word list from Faker's locale provider, with its frequencies when Faker has them."""
    provider = importlib.import_module(f"faker.providers.person.{FAKER_LOCALE[country]}").Provider
    raw = getattr(provider, attr)
    if isinstance(raw, dict):
        names = list(raw.keys())
        w = np.asarray(list(raw.values()), dtype=float)
        return names, w / w.sum()
    return list(raw), None


def _mix(head: tuple[str, ...], tail: list[str], tail_w: np.ndarray | None, head_share: float,
         ordered_tail: bool) -> tuple[tuple[str, ...], np.ndarray]:
    """Head names by Zipf weights, tail by its own weights (or rank/uniform), deduplicated."""
    head = tuple(dict.fromkeys(head))
    seen = set(head)
    keep = [i for i, t in enumerate(tail) if t not in seen]
    tail = [tail[i] for i in keep]
    if tail_w is not None:
        tw = tail_w[keep]
        tw = tw / tw.sum()
    elif ordered_tail:
        tw = _zipf(len(tail), 1.0, 5.0)
    else:
        tw = np.full(len(tail), 1.0 / len(tail))
    if not head:
        return tuple(tail), tw
    hw = _zipf(len(head))
    w = np.concatenate([hw * head_share, tw * (1 - head_share)])
    return head + tuple(tail), w / w.sum()


@lru_cache(maxsize=None)
def first_names(country: str, gender: int) -> tuple[tuple[str, ...], np.ndarray]:
    """(names, probabilities) of first names for a country; gender 0 female, 1 male."""
    attr = "first_names_male" if gender else "first_names_female"
    tail, tw = _faker_list(country, attr)
    head = FIRST_HEADS[country][gender]
    # en_GB lists are ordered by popularity; en_US carries weights; the others are alphabetical.
    share = 0.15 if country in ("GB", "US") else HEAD_SHARE_FIRST
    return _mix(head, tail, tw, share, ordered_tail=country == "GB")


@lru_cache(maxsize=None)
def surnames(country: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(surnames, probabilities) for a country."""
    tail, tw = _faker_list(country, "last_names")
    # Faker's pt_BR list has particles ("da Costa") that are fine; Italian list is alphabetical.
    return _mix(SURNAME_HEADS[country], tail, tw, HEAD_SHARE_SURNAME, ordered_tail=False)
