"""Random TOML documents for the differential test: a random tree of values written with random
choices of syntax (key quoting, dotted keys, [headers] in either order, [[arrays of tables]], inline
tables, every string kind and escape, every number base, date-time forms, comments, CRLF), and
mutants of documents (bytes deleted, inserted, replaced, lines swapped or repeated) that are mostly
invalid. Python's tomllib says what each one means; this module only writes them.
"""
import math
import random
import string

BARE = string.ascii_letters + string.digits + "_-"
TEXT_POOL = (
    list("abcxyz ABC019") + ["_", "-", ".", "=", "#", "[", "]", "{", "}", ",", "'", '"', "\\", "\t", "\n", "\r",
                             "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "é", "ß", "☃", "\u2028", "\U0001F600", "\ufeff"]
)


def key_name(r: random.Random) -> str:
    if r.random() < 0.75:
        return "".join(r.choice(BARE) for _ in range(r.randint(1, 6)))
    return "".join(r.choice(TEXT_POOL) for _ in range(r.randint(0, 5)))


def write_key(r: random.Random, name: str) -> str:
    if name and all(c in BARE for c in name) and r.random() < 0.8:
        return name
    if "'" not in name and "\n" not in name and "\r" not in name and not any(ord(c) < 32 and c != "\t" or c == "\x7f" for c in name) and r.random() < 0.4:
        return "'" + name + "'"
    return '"' + escape_basic(r, name, multiline=False) + '"'


def escape_char(r: random.Random, c: str) -> str:
    short = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
    roll = r.random()
    if c in short and roll < 0.6:
        return short[c]
    if ord(c) > 0xFFFF or roll < 0.2:
        return "\\U%08X" % ord(c) if r.random() < 0.5 else "\\U%08x" % ord(c)
    return "\\u%04X" % ord(c) if r.random() < 0.5 else "\\u%04x" % ord(c)


def escape_basic(r: random.Random, text: str, multiline: bool) -> str:
    out = []
    for c in text:
        needs = c in '"\\' or (ord(c) < 32 and c != "\t" and not (multiline and c == "\n")) or c == "\x7f"
        out.append(escape_char(r, c) if needs or r.random() < 0.05 else c)
    return "".join(out)


def write_string(r: random.Random, text: str, newline: str) -> str:
    plain = not any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in text) and "\r" not in text
    kind = r.choice(["basic", "basic", "literal", "ml-basic", "ml-literal"])
    if kind == "literal" and plain and "'" not in text and "\n" not in text:
        return "'" + text + "'"
    if kind == "ml-literal" and plain and "'''" not in text and not text.endswith("'"):
        lead = newline if text.startswith("\n") or r.random() < 0.5 else ""
        return "'''" + lead + text.replace("\n", newline) + "'''"
    if kind == "ml-basic":
        body = []
        for i, c in enumerate(text):
            if c == '"' and (i + 1 == len(text) or r.random() < 0.5):
                body.append('\\"')
            elif c == "\n" and r.random() < 0.7:
                body.append(newline)
            elif c in "\\\r" or (ord(c) < 32 and c not in "\t\n") or c == "\x7f":
                body.append(escape_char(r, c))
            else:
                body.append(c)
            # A line-ending backslash removes the whitespace that follows it: put one only before text.
            if i + 1 < len(text) and text[i + 1] not in " \t\n" and r.random() < 0.05:
                body.append("\\" + r.choice(["", " ", "\t "]) + newline + r.choice(["", "  ", newline + "\t"]))
        joined = "".join(body).replace('"""', '""\\"')
        lead = newline if text.startswith("\n") or r.random() < 0.5 else ""
        return '"""' + lead + joined + '"""'
    return '"' + escape_basic(r, text, multiline=False) + '"'


def random_integer(r: random.Random) -> int:
    return r.choice([0, 1, -1, 7, 42, 2**31, 2**63 - 1, -(2**63), r.randint(-10**6, 10**6), r.randint(-(2**63), 2**63 - 1)])


def write_integer(r: random.Random, value: int) -> str:
    if value >= 0 and r.random() < 0.4:
        base, prefix = r.choice([(16, "0x"), (8, "0o"), (2, "0b")])
        digits = {16: "%x", 8: "%o", 2: "{:b}"}[base]
        text = ("{:b}".format(value) if base == 2 else digits % value)
        if base == 16 and r.random() < 0.5:
            text = text.upper()
        text = "0" * r.randint(0, 2) + text
        return prefix + underscores(r, text)
    sign = "+" if value >= 0 and r.random() < 0.3 else ""
    return sign + ("-" if value < 0 else "") + underscores(r, str(abs(value)))


def underscores(r: random.Random, digits: str) -> str:
    if len(digits) < 2 or r.random() < 0.6:
        return digits
    out = digits[0]
    for c in digits[1:]:
        out += ("_" if r.random() < 0.3 else "") + c
    return out


def random_float(r: random.Random) -> float:
    return r.choice([0.0, -0.0, 0.5, 1e100, 5e-324, 1.7976931348623157e308, math.inf, -math.inf, math.nan,
                     r.uniform(-1e6, 1e6), r.random() * 10 ** r.randint(-30, 30)])


def write_float(r: random.Random, value: float) -> str:
    if math.isnan(value):
        return r.choice(["nan", "+nan", "-nan"])
    if math.isinf(value):
        return ("-" if value < 0 else r.choice(["", "+"])) + "inf"
    text = repr(value)
    if r.random() < 0.3:
        text = "%e" % value if r.random() < 0.5 else "%E" % value
        if float(text) != value:
            text = repr(value)
    mantissa, _, exponent = text.partition("e") if "e" in text else text.partition("E")
    sign = ""
    if mantissa.startswith("-"):
        sign, mantissa = "-", mantissa[1:]
    elif r.random() < 0.2:
        sign = "+"
    whole, _, fraction = mantissa.partition(".")
    out = sign + underscores(r, whole)
    if fraction:
        out += "." + underscores(r, fraction)
    if exponent:
        out += r.choice("eE") + exponent
    return out


def write_datetime(r: random.Random) -> str:
    year, month = r.randint(1, 9999), r.randint(1, 12)
    day = r.randint(1, 28)
    date = "%04d-%02d-%02d" % (year, month, day)
    time = "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
    if r.random() < 0.4:
        time += "." + "".join(r.choice(string.digits) for _ in range(r.randint(1, 9)))
    form = r.choice(["offset", "local", "date", "time"])
    if form == "date":
        return date
    if form == "time":
        return time
    text = date + r.choice("TtT ") + time
    if form == "offset":
        text += r.choice(["Z", "z", "%s%02d:%02d" % (r.choice("+-"), r.randint(0, 23), r.randint(0, 59))])
    return text


class Writer:
    """Writes one random document."""

    def __init__(self, r: random.Random, max_depth: int = 4):
        self.r = r
        self.max_depth = max_depth
        self.newline = "\r\n" if r.random() < 0.15 else "\n"
        self.lines = []

    def space(self) -> str:
        return self.r.choice(["", " ", " ", "  ", "\t"])

    def comment(self) -> str:
        if self.r.random() < 0.15:
            return self.space() + "#" + "".join(self.r.choice(["x", " ", "\t", "#", "é", '"']) for _ in range(self.r.randint(0, 6)))
        return ""

    def scalar(self) -> str:
        kind = self.r.choice(["int", "float", "bool", "string", "string", "datetime"])
        if kind == "int":
            return write_integer(self.r, random_integer(self.r))
        if kind == "float":
            return write_float(self.r, random_float(self.r))
        if kind == "bool":
            return self.r.choice(["true", "false"])
        if kind == "datetime":
            return write_datetime(self.r)
        text = "".join(self.r.choice(TEXT_POOL) for _ in range(self.r.randint(0, 8)))
        return write_string(self.r, text, self.newline)

    def value(self, depth: int) -> str:
        roll = self.r.random()
        if depth < self.max_depth and roll < 0.15:
            return self.array(depth + 1)
        if depth < self.max_depth and roll < 0.25:
            return self.inline_table(depth + 1)
        return self.scalar()

    def array(self, depth: int) -> str:
        items = [self.value(depth) for _ in range(self.r.randint(0, 4))]
        if self.r.random() < 0.5:
            return "[" + self.space() + ("," + self.space()).join(items) + (self.r.choice(["", ","]) if items else "") + self.space() + "]"
        parts = ["["]
        for item in items:
            parts.append(self.newline + self.space() + item + self.space() + "," + self.comment())
        parts.append(self.newline + "]")
        return "".join(parts)

    def inline_table(self, depth: int) -> str:
        pairs = []
        used = set()
        for _ in range(self.r.randint(0, 3)):
            name = key_name(self.r)
            if name in used:
                continue
            used.add(name)
            key = write_key(self.r, name)
            if self.r.random() < 0.2:
                key += self.space() + "." + self.space() + write_key(self.r, key_name(self.r))
            pairs.append(key + self.space() + "=" + self.space() + self.value(depth))
        return "{" + self.space() + ("," + self.space()).join(pairs) + self.space() + "}"

    def body(self, path: list, depth: int):
        """Key/value lines of one table, then its sub-tables as headers."""
        used = set()
        later = []
        for _ in range(self.r.randint(0, 5)):
            name = key_name(self.r)
            if name in used:
                continue
            used.add(name)
            key = write_key(self.r, name)
            roll = self.r.random()
            if depth < self.max_depth and roll < 0.15:
                later.append(("table", name))
            elif depth < self.max_depth and roll < 0.25:
                later.append(("array", name))
            elif depth < self.max_depth and roll < 0.35:
                # A sub-table written with dotted keys, all in this table's body.
                inner = set()
                for _ in range(self.r.randint(1, 3)):
                    sub = key_name(self.r)
                    if sub in inner:
                        continue
                    inner.add(sub)
                    self.line(key + self.space() + "." + self.space() + write_key(self.r, sub), self.value(depth + 2))
            else:
                self.line(key, self.value(depth + 1))
        for kind, name in later:
            if kind == "table":
                self.table(path + [name], depth + 1)
            else:
                for _ in range(self.r.randint(1, 3)):
                    self.lines.append(self.header(path + [name], array=True))
                    self.body(path + [name], depth + 1)

    def table(self, path: list, depth: int):
        if self.r.random() < 0.3:
            # A sub-table first makes this one a super-table, defined afterwards.
            child = path + [key_name(self.r)]
            self.lines.append(self.header(child))
            self.body(child, depth + 1)
            self.lines.append(self.header(path))
            self.body_without(path, depth, child[-1])
        else:
            self.lines.append(self.header(path))
            self.body(path, depth)

    def body_without(self, path: list, depth: int, taken: str):
        for _ in range(self.r.randint(0, 3)):
            name = key_name(self.r)
            if name != taken:
                self.line(write_key(self.r, name), self.value(depth + 1))
                return

    def header(self, path: list, array: bool = False) -> str:
        keys = (self.space() + "." + self.space()).join(write_key(self.r, p) for p in path)
        left, right = ("[[", "]]") if array else ("[", "]")
        return left + self.space() + keys + self.space() + right + self.comment()

    def line(self, key: str, value: str):
        self.lines.append(self.space() + key + self.space() + "=" + self.space() + value + self.comment())

    def document(self) -> bytes:
        self.body([], 0)
        if self.r.random() < 0.3:
            self.lines.insert(self.r.randint(0, len(self.lines)), self.comment() or "# comment")
        text = self.newline.join(self.lines) + (self.newline if self.r.random() < 0.9 else "")
        return text.encode("utf-8", "surrogatepass")


MUTATION_BYTES = [bytes([b]) for b in b'[]{}=,."\'#\\ \t\n\r_-+.:0123456789abcdefxobeEzZT'] + [
    b"\x00", b"\x01", b"\x7f", b"\xc3\xa9", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b'"""', b"'''",
    b"inf", b"nan", b"true", b"\r\n", b"[[", b"]]",
]


def mutate(r: random.Random, doc: bytes) -> bytes:
    data = bytearray(doc)
    for _ in range(r.randint(1, 3)):
        roll = r.random()
        at = r.randint(0, len(data))
        if roll < 0.3 and data:
            del data[min(at, len(data) - 1)]
        elif roll < 0.6:
            data[at:at] = r.choice(MUTATION_BYTES)
        elif roll < 0.8 and data:
            data[min(at, len(data) - 1)] = r.choice(MUTATION_BYTES)[0]
        else:
            lines = bytes(data).split(b"\n")
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            if r.random() < 0.5:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(j, lines[i])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def documents(seed: int, valid_count: int, mutant_count: int, seeds: list):
    """(name, bytes) pairs: generated documents, then mutants of them and of `seeds`."""
    r = random.Random(seed)
    generated = [Writer(r).document() for _ in range(valid_count)]
    for index, doc in enumerate(generated):
        yield "generated-%d" % index, doc
    pool = generated + seeds
    for index in range(mutant_count):
        yield "mutant-%d" % index, mutate(r, r.choice(pool))
