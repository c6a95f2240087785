#!/usr/bin/env python3
"""Rewrites the recording host's details out of pcapng files, in place.

    python3 testdata/tools/neutral_shb.py FILE.pcapng ...          # rewrite (idempotent)
    python3 testdata/tools/neutral_shb.py --check FILE.pcapng ...  # list what is not neutral; exit 1 if any

dumpcap (and editcap, which keeps or writes one) puts the recording machine into every
pcapng: the Section Header Block names its CPU (shb_hardware), its kernel (shb_os) and the
packaged application (shb_userappl); each Interface Description Block names the kernel again
(if_os), and may carry the interface's hardware, addresses and a description of the NIC.
None of that belongs in a committed capture.

What it does, per section (byte order kept as the section's own):
- SHB: shb_hardware, shb_os and shb_userappl become the NEUTRAL values below (written even
  where absent, so every neutralised file reads the same in capinfos); comments and any other
  option are kept; the section length is kept as "unknown" (-1) or recomputed.
- IDB: if_os and if_hardware become NEUTRAL values; if_MACaddr, if_EUIaddr, if_IPv4addr and
  if_IPv6addr are dropped; if_name and if_description are kept when they name loopback or
  "any" (NEUTRAL_INTERFACES), and are otherwise renamed "if<N>" / dropped.  An IDB without any
  of these is kept byte-identical.
- Every other block (packets, decryption secrets, statistics, name resolution, custom) is
  copied byte for byte.

Written with the standard library because it is a small, well-specified transformation of
pcapng's block framing (draft-ietf-opsawg-pcapng) and Python's stdlib has no pcapng writer;
Wireshark's own tools cannot rewrite these options (editcap 4.0 has no option for them).
"""
import argparse
import os
import struct
import sys
import tempfile

SHB = 0x0A0D0D0A
IDB = 0x00000001
NRB = 0x00000004
BYTE_ORDER_MAGIC = 0x1A2B3C4D

OPT_ENDOFOPT = 0
OPT_COMMENT = 1
SHB_HARDWARE, SHB_OS, SHB_USERAPPL = 2, 3, 4
IF_NAME, IF_DESCRIPTION, IF_IPV4ADDR, IF_IPV6ADDR, IF_MACADDR, IF_EUIADDR = 2, 3, 4, 5, 6, 7
IF_OS, IF_HARDWARE = 12, 15

NEUTRAL = {
    "shb_hardware": "unspecified",
    "shb_os": "unspecified",
    "shb_userappl": "xmtrack testdata (host details removed by testdata/tools/neutral_shb.py)",
    "if_os": "unspecified",
    "if_hardware": "unspecified",
}
# Interface names and descriptions that say nothing about the machine.
NEUTRAL_INTERFACES = {"lo", "any", "Loopback", "loopback", "Loopback: lo"}

SHB_STRINGS = {SHB_HARDWARE: "shb_hardware", SHB_OS: "shb_os", SHB_USERAPPL: "shb_userappl"}
IDB_STRINGS = {IF_OS: "if_os", IF_HARDWARE: "if_hardware"}
IDB_ADDRESSES = {IF_IPV4ADDR: "if_IPv4addr", IF_IPV6ADDR: "if_IPv6addr", IF_MACADDR: "if_MACaddr",
                 IF_EUIADDR: "if_EUIaddr"}
IDB_NAMES = {IF_NAME: "if_name", IF_DESCRIPTION: "if_description"}


class PcapngError(ValueError):
    pass


def pad4(n):
    return (n + 3) & ~3


# ---- reading ------------------------------------------------------------------------------

def blocks(data):
    """(byte order '<' or '>', block type, whole block bytes) of every block, in file order."""
    if data[:4] != struct.pack("<I", SHB):
        raise PcapngError("not a pcapng file (no Section Header Block first)")
    pos, order = 0, None
    while pos < len(data):
        if len(data) - pos < 12:
            raise PcapngError(f"truncated block at offset {pos}")
        if data[pos:pos + 4] == struct.pack("<I", SHB):
            magic = data[pos + 8:pos + 12]
            if magic == struct.pack("<I", BYTE_ORDER_MAGIC):
                order = "<"
            elif magic == struct.pack(">I", BYTE_ORDER_MAGIC):
                order = ">"
            else:
                raise PcapngError(f"bad byte-order magic at offset {pos}")
        btype, length = struct.unpack_from(order + "II", data, pos)
        if length < 12 or length % 4 or pos + length > len(data):
            raise PcapngError(f"bad block length {length} at offset {pos}")
        if struct.unpack_from(order + "I", data, pos + length - 4)[0] != length:
            raise PcapngError(f"trailing length differs from leading length at offset {pos}")
        yield order, btype, data[pos:pos + length]
        pos += length


def options(order, body):
    """(code, value bytes) of an option list, up to opt_endofopt or the end."""
    pos, out = 0, []
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        if code == OPT_ENDOFOPT:
            break
        if pos + 4 + length > len(body):
            raise PcapngError(f"option {code} runs past its block")
        out.append((code, body[pos + 4:pos + 4 + length]))
        pos += 4 + pad4(length)
    return out


def fixed_part(btype):
    """Bytes of a block's body before its options: SHB magic+version+section length; IDB
    link type+reserved+snaplen."""
    return {SHB: 16, IDB: 8}[btype]


def block_options(order, btype, block):
    return options(order, block[8 + fixed_part(btype):-4])


def text(value):
    return value.decode("utf-8", "replace").rstrip("\0")


# ---- writing ------------------------------------------------------------------------------

def encode_options(order, opts):
    if not opts:
        return b""
    out = bytearray()
    for code, value in opts:
        out += struct.pack(order + "HH", code, len(value)) + value + b"\0" * (pad4(len(value)) - len(value))
    out += struct.pack(order + "HH", OPT_ENDOFOPT, 0)
    return bytes(out)


def build_block(order, btype, fixed, opts):
    body = fixed + encode_options(order, opts)
    length = 12 + len(body)
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def neutral_shb_options(opts):
    kept = [(c, v) for c, v in opts if c not in SHB_STRINGS]
    comments = [(c, v) for c, v in kept if c == OPT_COMMENT]
    others = [(c, v) for c, v in kept if c != OPT_COMMENT]
    neutral = [(code, NEUTRAL[name].encode()) for code, name in sorted(SHB_STRINGS.items())]
    return comments + neutral + others


def neutral_idb_options(opts, index):
    """The IDB's options with the host removed, or None when it has nothing to remove."""
    changed, out = False, []
    for code, value in opts:
        if code in IDB_STRINGS:
            new = NEUTRAL[IDB_STRINGS[code]].encode()
            changed |= new != value
            out.append((code, new))
        elif code in IDB_ADDRESSES:
            changed = True
        elif code in IDB_NAMES and text(value) not in NEUTRAL_INTERFACES:
            changed = True
            if code == IF_NAME:
                out.append((code, f"if{index}".encode()))
        else:
            out.append((code, value))
    return out if changed else None


def neutralise(data):
    """The file with its host details neutral; every other block byte-identical."""
    sections = []  # [order, shb fixed part, shb options, [blocks...]]
    for order, btype, block in blocks(data):
        if btype == SHB:
            sections.append([order, block[8:8 + 16], block_options(order, btype, block), []])
            continue
        section = sections[-1]
        if btype == IDB:
            index = sum(1 for b in section[3] if struct.unpack_from(order + "I", b)[0] == IDB)
            opts = neutral_idb_options(block_options(order, btype, block), index)
            if opts is not None:
                block = build_block(order, btype, block[8:16], opts)
        section[3].append(block)
    out = bytearray()
    for order, fixed, opts, body_blocks in sections:
        body = b"".join(body_blocks)
        magic_version, section_length = fixed[:8], struct.unpack_from(order + "q", fixed, 8)[0]
        if section_length != -1:
            section_length = len(body)
        out += build_block(order, SHB, magic_version + struct.pack(order + "q", section_length),
                           neutral_shb_options(opts))
        out += body
    return bytes(out)


# ---- checking -----------------------------------------------------------------------------

def host_details(data):
    """What in the file still names a machine: ['<block> <option>: <value>', ...]."""
    found, idb_index = [], 0
    for order, btype, block in blocks(data):
        if btype == SHB:
            idb_index = 0
            for code, value in block_options(order, btype, block):
                name = SHB_STRINGS.get(code)
                if name and text(value) != NEUTRAL[name]:
                    found.append(f"SHB {name}: {text(value)}")
        elif btype == IDB:
            for code, value in block_options(order, btype, block):
                if code in IDB_STRINGS and text(value) != NEUTRAL[IDB_STRINGS[code]]:
                    found.append(f"IDB {idb_index} {IDB_STRINGS[code]}: {text(value)}")
                elif code in IDB_ADDRESSES:
                    found.append(f"IDB {idb_index} {IDB_ADDRESSES[code]}: {value.hex()}")
                elif code in IDB_NAMES and text(value) not in NEUTRAL_INTERFACES \
                        and not (code == IF_NAME and text(value) == f"if{idb_index}"):
                    found.append(f"IDB {idb_index} {IDB_NAMES[code]}: {text(value)}")
            idb_index += 1
    return found


def nrb_names(order, block):
    """Host names of a Name Resolution Block's IPv4/IPv6 records."""
    body, names, pos = block[8:-4], [], 0
    while pos + 4 <= len(body):
        rtype, length = struct.unpack_from(order + "HH", body, pos)
        if rtype == 0:
            break
        addr_len = {1: 4, 2: 16}.get(rtype)
        if addr_len:
            value = body[pos + 4 + addr_len:pos + 4 + length]
            names += [text(n) for n in value.split(b"\0") if n]
        pos += 4 + pad4(length)
    return names


def readable_strings(data):
    """('<where>', text) of every string the capture's own blocks carry outside packets: SHB
    and IDB options (comments included) and name-resolution names.  A check reads these for
    machine paths and names; tshark -V does not print them all."""
    out, idb_index = [], 0
    for order, btype, block in blocks(data):
        if btype in (SHB, IDB):
            label = "SHB" if btype == SHB else f"IDB {idb_index}"
            idb_index = 0 if btype == SHB else idb_index + 1
            for code, value in block_options(order, btype, block):
                if code == OPT_COMMENT or code in (SHB_STRINGS if btype == SHB else {**IDB_STRINGS, **IDB_NAMES}):
                    out.append((f"{label} option {code}", text(value)))
        elif btype == NRB:
            out += [("NRB", name) for name in nrb_names(order, block)]
    return out


def rewrite(path):
    """Neutralises one file in place (atomically); True when it changed."""
    with open(path, "rb") as f:
        data = f.read()
    new = neutralise(data)
    if new == data:
        return False
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".neutral_shb-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only list host details left; exit 1 if any")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            if args.check:
                with open(path, "rb") as f:
                    left = host_details(f.read())
                for item in left:
                    print(f"{path}: {item}")
                status |= bool(left)
            else:
                print(f"{path}: {'neutralised' if rewrite(path) else 'already neutral'}")
        except (OSError, PcapngError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
