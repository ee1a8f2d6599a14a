"""static/annotator/offsets.js in the browser: code points <-> UTF-16 and word snapping, on awkward text."""

CHECK_JS = """async () => {
  const { OffsetIndex, snapToWords } = await import('/static/annotator/offsets.js');
  const text = "🇱🇾 Libya's \\u{1D509}\\u{1D52F}x café (e\\u0301) «حَفْتَر» 😀 (AFP) end";
  const index = new OffsetIndex(text);
  const codePoints = [...text];
  const roundTrip = [];
  for (let cp = 0; cp <= codePoints.length; cp++) {
    const u = index.toU16(cp);
    roundTrip.push(index.toCp(u) === cp && text.slice(0, u) === codePoints.slice(0, cp).join(''));
  }
  const snap = (a, b) => { const [s, e] = snapToWords(text, text.indexOf(a), text.indexOf(a) + (b ?? a).length);
                           return text.slice(s, e); };
  return {
    length: index.cpLength === codePoints.length,
    roundTrip: roundTrip.every(Boolean),
    middleOfPair: index.align(1, false) === 0 && index.align(1, true) === 2,
    libya: snap("ibya's"),
    apostrophe: snap("'s"),
    astral: snap("\\u{1D52F}x"),
    combining: snap("(e\\u0301)"),
    arabic: snap("فْتَ"),
    emoji: snap(" 😀 "),
    agency: snap("(AFP)"),
  };
}"""


def test_offsets_convert_exactly_and_selections_snap_to_words(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    result = page.evaluate(CHECK_JS)
    assert result["length"] and result["roundTrip"] and result["middleOfPair"]
    assert result["libya"] == "Libya's"
    assert result["apostrophe"] == "Libya's"
    assert result["astral"] == "\U0001d509\U0001d52fx"
    assert result["combining"] == "e\u0301"
    assert result["arabic"] == "حَفْتَر"
    assert result["emoji"] == "😀"
    assert result["agency"] == "AFP"
