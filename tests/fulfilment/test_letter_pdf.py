"""The letter PDF read back as the city's clerk (pypdf) and a printer (pdftoppm) would see it."""
from __future__ import annotations

import io
import re
import struct
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from pypdf import PdfReader

from app.fulfilment.letter_document import MAX_EXHIBITS, Exhibit, LetterNotPrintable
from app.fulfilment.letter_fonts import letter_fonts
from app.fulfilment.letter_images import EXHIBIT_DPI
from app.fulfilment.letter_pdf import build_letter_pdf
from tests.fulfilment.sample_letters import (CAPTIONS, encoded, exhibits, phone_photo,
                                             sample_letter)

LETTER_PT = (612, 792)
PAGE_OF = re.compile(r"Page (\d+) of (\d+)")


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def render(pdf: bytes, path, *, dpi: int = 100, page: int = 1) -> Image.Image:
    """Page `page` as pdftoppm (poppler) rasterises it, saved at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", "-", str(path.with_suffix(""))], input=pdf, check=True,
                   timeout=60)
    return Image.open(path).convert("L")


def test_the_letter_reads_back_page_by_page(artifacts_dir):
    letter = sample_letter()
    pdf = build_letter_pdf(letter)
    reader, texts = read(pdf)
    total = len(texts)
    letter_pages = total - len(letter.exhibits)
    assert letter_pages >= 1 and pdf.startswith(b"%PDF-")
    for number, (page, text) in enumerate(zip(reader.pages, texts), start=1):
        assert [round(float(v)) for v in page.mediabox[2:]] == list(LETTER_PT)
        assert "Citation 912345678" in text
        assert PAGE_OF.findall(text) == [(str(number), str(total))]

    first = texts[0]
    for expected in ("November 30, 2026", "Jane Q. Driver", "10 Main Street, Apt 2",
                     "Oakland, CA 94607", "SFMTA Customer Service Center",
                     "Attn: Citation Review", "11 South Van Ness Avenue",
                     "San Francisco, CA 94103", "Re: Protest of citation 912345678",
                     "“FAIL”", "José Núñez", "Sincerely,"):
        assert expected in first, expected
    # return address, date, then the office: the order a letter has
    assert first.index("Oakland, CA") < first.index("November 30, 2026") < first.index("SFMTA")

    letter_text = "\n".join(texts[:letter_pages])
    enclosed = [line.strip() for line in letter_text.split("Enclosures:", 1)[1].splitlines()
                if line.strip().startswith("Exhibit")]
    titles = [f"Exhibit {n} — {caption}" for n, caption in enumerate(CAPTIONS, start=1)]
    assert enclosed == titles
    for title, page, text in zip(titles, reader.pages[letter_pages:], texts[letter_pages:]):
        assert title in text
        (image,) = page.images  # one photo per exhibit page, greyscale, sized for print
        assert image.image.mode == "L"
        assert image.image.width <= 6.5 * EXHIBIT_DPI and image.image.height <= 9.2 * EXHIBIT_DPI

    (signature,) = reader.pages[0].images  # the drawn signature, an image XObject on page 1
    assert signature.image.mode == "L" and signature.image.width > 100
    assert "/s/" not in first
    assert first.index("Sincerely,") < first.rindex("Jane Q. Driver") < first.index("Enclosures:")

    page_one = render(pdf, artifacts_dir / "letters" / "letter-page1.png")
    assert page_one.size == (850, 1100)  # 8.5 × 11 in at 100 dpi
    assert _inked(page_one, (90, 60, 760, 180))  # the return address at the top


def test_a_typed_signature_is_a_signature_line_above_the_printed_name():
    pdf = build_letter_pdf(sample_letter(signature_png=None, signature_name="Jane Quinn Driver",
                                         exhibits=()))
    reader, texts = read(pdf)
    first = texts[0]
    assert len(reader.pages[0].images) == 0
    assert first.index("Sincerely,") < first.index("/s/ Jane Quinn Driver") < first.rindex(
        "Jane Q. Driver")
    assert "Enclosures" not in "".join(texts) and "Exhibit" not in "".join(texts)


def test_a_subject_line_is_added_when_the_text_has_none_and_the_same_letter_gives_the_same_bytes():
    letter = sample_letter(letter_text="Dear Sir or Madam:\n\nThe meter was broken.", exhibits=())
    pdf = build_letter_pdf(letter)
    assert "Re: Citation 912345678" in read(pdf)[1][0]
    assert build_letter_pdf(letter) == pdf  # one letter version, one file: what was mailed


def test_letters_built_at_the_same_time_in_threads_are_the_letters_built_one_by_one():
    # the fonts are shared by the process: ReportLab keeps what each document used apart
    letters = [sample_letter(exhibits=(), citation_number=f"91234567{n}",
                             letter_text=sample_letter(exhibits=()).letter_text * n)
               for n in range(1, 7)]
    one_by_one = [build_letter_pdf(letter) for letter in letters]
    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(build_letter_pdf, letters)) == one_by_one


def test_a_long_story_without_spaces_wraps_inside_the_margins(artifacts_dir):
    story = "".join(chr(ord("a") + i % 26) for i in range(2000))
    pdf = build_letter_pdf(sample_letter(letter_text=f"Dear Sir or Madam:\n\n{story}", exhibits=()))
    texts = read(pdf)[1]
    assert story in "".join("".join(texts).split())  # every character printed, in order
    page = render(pdf, artifacts_dir / "letters" / "long-word-page1.png", dpi=50)
    assert not _inked(page, (0, 0, 45, 550)) and not _inked(page, (385, 0, 425, 550))


def test_emoji_rtl_and_control_characters_print_what_the_font_can():
    text = ("Dear Sir or Madam:\n\nI was gone 2 minutes 👍🏽 😀. My neighbour שלום and "
            "مرحبا saw it.\u202e evil\u202c\x00\x07 Tab\there. Résumé ﬁne. <b>x</b> & <para>")
    pdf = build_letter_pdf(sample_letter(letter_text=text, driver_name="Zoë \u200bO’Brien",
                                         exhibits=(Exhibit("Sign 🚫 near the café\x00",
                                                           exhibits(1)[0].data, "image/jpeg"),)))
    reader, texts = read(pdf)
    joined = "\n".join(texts)
    for kept in ("שלום", "Résumé", "Zoë O’Brien", "Exhibit 1 — Sign near the café", "Tab here",
                 "<b>x</b> & <para>"):
        assert kept in joined or kept[::-1] in joined, kept
    assert "مرحبا"[0] in joined  # Arabic letters are printed (unjoined, see the report)
    for dropped in ("\u202e", "\x00", "\x07", "👍", "\u200b"):
        assert dropped not in joined
    assert len(reader.pages) == 2


def test_the_longest_caption_still_leaves_its_photo_on_one_page():
    wide = Exhibit("W" * 300, exhibits(1)[0].data, "image/jpeg")
    reader, texts = read(build_letter_pdf(sample_letter(exhibits=(wide, wide))))
    assert [len(page.images) for page in reader.pages[-2:]] == [1, 1]
    assert texts[-1].count("W") == 119 and "…" in texts[-1]
    assert PAGE_OF.findall(texts[-1]) == [(str(len(texts)), str(len(texts)))]


def test_without_dejavu_the_core_font_prints_what_windows_1252_has():
    fonts = letter_fonts(["/nonexistent/fonts"])
    assert fonts.regular == "Helvetica"
    pdf = build_letter_pdf(sample_letter(letter_text="Dear Sir:\n\n“Quoted” café שלום ő",
                                         exhibits=()), fonts=fonts)
    first = read(pdf)[1][0]
    assert "“Quoted” café ???? o" in first


@pytest.mark.timeout(120)
def test_twenty_phone_photos_are_shrunk_to_a_small_file():
    photo = phone_photo()  # 4032 × 3024, about 2.5 MB
    many = tuple(Exhibit(f"Photo {n}", photo, "image/jpeg") for n in range(1, MAX_EXHIBITS + 1))
    pdf = build_letter_pdf(sample_letter(exhibits=many))
    reader, texts = read(pdf)
    assert len(pdf) < 8 * 1024 * 1024, len(pdf)
    assert sum(1 for text in texts if PAGE_OF.search(text)) == len(reader.pages)
    assert [len(page.images) for page in reader.pages[-MAX_EXHIBITS:]] == [1] * MAX_EXHIBITS
    assert f"Exhibit {MAX_EXHIBITS} — Photo {MAX_EXHIBITS}" in texts[-1]
    with pytest.raises(LetterNotPrintable, match=f"at most {MAX_EXHIBITS} exhibits"):
        build_letter_pdf(sample_letter(exhibits=many + many[:1]))


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, content_type, reason", [
    (phone_photo(800, 600)[:20_000], "image/jpeg", "could not be read"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png", "could not be read"),
    (_png_header_only(9000, 9000), "image/png", "too large"),
    (phone_photo(800, 600) + b"\xff\xda" * 40, "image/jpeg", "too complex"),
    (b"%PDF-1.4 a scanned receipt", "application/pdf", "not a JPEG, PNG or WebP"),
    (encoded(Image.new("RGB", (40, 40)), "PNG"), "image/jpeg", "could not be read"),
], ids=["truncated-jpeg", "garbage-png", "9000x9000-png", "many-scans", "pdf", "png-sent-as-jpeg"])
def test_an_exhibit_that_cannot_be_printed_is_named_in_a_plain_error(data, content_type, reason):
    broken = (exhibits(1)[0], Exhibit("Receipt", data, content_type))
    with pytest.raises(LetterNotPrintable, match=f"^Exhibit 2 .*{reason}"):
        build_letter_pdf(sample_letter(exhibits=broken))


def test_a_letter_missing_its_essentials_is_refused_before_any_work():
    with pytest.raises(LetterNotPrintable, match="no citation number, return address"):
        build_letter_pdf(sample_letter(citation_number=" ", return_address_lines=()))
    with pytest.raises(LetterNotPrintable, match="longer than 20,000 characters"):
        build_letter_pdf(sample_letter(letter_text="x " * 10_001))
    with pytest.raises(LetterNotPrintable, match="signature"):
        build_letter_pdf(sample_letter(signature_png=b"\x89PNG\r\n\x1a\nnot really"))


def _inked(page: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Whether anything darker than paper was printed inside `box` (pixels)."""
    return page.crop(box).point(lambda v: 255 if v < 200 else 0).getbbox() is not None


def _grey_jpeg(size: tuple[int, int], **options) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(phone_photo(*size))).convert("L").save(out, format="JPEG", **options)
    return out.getvalue()


def _embedded(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """The JPEG stream the exhibit page carries (as stored in the PDF), and its size."""
    reader = PdfReader(io.BytesIO(build_letter_pdf(sample_letter(
        exhibits=(Exhibit("Photo", data, "image/jpeg"),)))))
    (xobject,) = (ref.get_object() for ref in reader.pages[-1]["/Resources"]["/XObject"].values())
    assert xobject["/Filter"] in ("/DCTDecode", ["/DCTDecode"])
    return xobject._data, (xobject["/Width"], xobject["/Height"])


def test_only_a_print_ready_copy_passes_through_every_other_jpeg_is_decoded_within_bounds():
    ready = _grey_jpeg((900, 675), dpi=(EXHIBIT_DPI, EXHIBIT_DPI))
    assert _embedded(ready) == (ready, (900, 675))  # the bytes themselves, not re-encoded
    for data in (_grey_jpeg((2400, 1800), dpi=(EXHIBIT_DPI, EXHIBIT_DPI)),  # larger than the box
                 _grey_jpeg((900, 675), dpi=(EXHIBIT_DPI, EXHIBIT_DPI), progressive=True),
                 _grey_jpeg((900, 675), dpi=(72, 72)),  # not one of ours
                 encoded(Image.open(io.BytesIO(phone_photo(900, 675))), "JPEG")):  # colour
        embedded, (width, height) = _embedded(data)
        assert embedded != data and Image.open(io.BytesIO(embedded)).mode == "L"
        assert width <= 6.5 * EXHIBIT_DPI and height <= 9.2 * EXHIBIT_DPI
