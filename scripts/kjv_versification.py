#!/usr/bin/env python3
"""Prints the KJV versification table of src/data/sword.cpp (books, verses per chapter).

Read from the installed engKJV2006eb module (sword-text-kjv): in SWORD's zText index every book
starts with a book-intro entry holding <div osisID="Book" sID=... type="book"/>, every chapter with
a chapter-intro entry holding <chapter osisID="Book.N" .../>, and the entries between two intros are
the chapter's verses. Checked against the known totals: 66 books, 1,189 chapters, 31,102 verses.
"""
import re
import struct
import zlib

MODULE = "/usr/share/sword/modules/texts/ztext/engKJV2006eb"


def entries(testament):
    base = f"{MODULE}/{testament}"
    bzs, bzv, bzz = (open(f"{base}.{ext}", "rb").read() for ext in ("bzs", "bzv", "bzz"))
    blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs), 12)]
    cache = {}
    for i in range(0, len(bzv), 10):
        block, offset, size = struct.unpack_from("<IIH", bzv, i)
        if size == 0:
            yield ""
            continue
        if block not in cache:
            start, csize, _ = blocks[block]
            cache[block] = zlib.decompress(bzz[start:start + csize])
        yield cache[block][offset:offset + size].decode("utf-8")


def main():
    books = []
    for testament in ("ot", "nt"):
        for k, text in enumerate(entries(testament)):
            if k < 2:  # module header, testament header
                continue
            chapter = re.search(r'<chapter[^>]*osisID="([^".]+)\.(\d+)"', text)
            book = re.search(r'<div[^>]*osisID="([^"]+)"[^>]*sID=[^>]*type="book"', text)
            if chapter:
                assert chapter.group(1) == books[-1][0]
                assert int(chapter.group(2)) == len(books[-1][1]) + 1
                books[-1][1].append(0)
            elif book:
                books.append((book.group(1), []))
            else:
                books[-1][1][-1] += 1
    assert len(books) == 66
    assert sum(len(c) for _, c in books) == 1189
    assert sum(sum(c) for _, c in books) == 31102
    for name, chapters in books:
        print(f'    {{"{name}", {{{", ".join(map(str, chapters))}}}}},')


if __name__ == "__main__":
    main()
