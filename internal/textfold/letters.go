package textfold

import "strings"

// Version names the rules of Fold (and so of Words, Key and Skeleton).
// Anything stored that was computed from folded text (the blind index of
// doctors' searches, the folded nicknames lists are ordered by) records
// the version it was computed under, and is recomputed when it changes.
// Change it with every change to what Fold returns.
const Version = "2"

// latinLetters spells in ASCII the Latin letters that compatibility
// decomposition leaves whole (they are letters of their own, not a base
// letter with a mark): "Øvergård" is "overgard", "Łukasz" "lukasz". The
// spellings are those of the Unicode CLDR transform Latin-ASCII
// (common/transforms/Latin-ASCII.xml), restricted to the lower-case
// letters Fold sees after case folding; letters that decompose ("ĳ",
// "ŀ", "ſ") or case-fold to ASCII ("ß", "ẞ" to "ss") need no entry.
var latinLetters = map[rune]string{
	'æ': "ae", 'ð': "d", 'ø': "o", 'þ': "th", 'đ': "d", 'ħ': "h", 'ı': "i", 'ĸ': "q",
	'ł': "l", 'ŋ': "n", 'œ': "oe", 'ŧ': "t", 'ƀ': "b", 'ƃ': "b", 'ƈ': "c", 'ƌ': "d",
	'ƒ': "f", 'ƕ': "hv", 'ƙ': "k", 'ƚ': "l", 'ƞ': "n", 'ƣ': "gh", 'ƥ': "p", 'ƫ': "t",
	'ƭ': "t", 'ƴ': "y", 'ƶ': "z", 'ǥ': "g", 'ȡ': "d", 'ȥ': "z", 'ȴ': "l", 'ȵ': "n",
	'ȶ': "t", 'ȷ': "j", 'ȼ': "c", 'ȿ': "s", 'ɀ': "z", 'ɇ': "e", 'ɉ': "j", 'ɋ': "q",
	'ɍ': "r", 'ɏ': "y", 'ɓ': "b", 'ɕ': "c", 'ɖ': "d", 'ɗ': "d", 'ɛ': "e", 'ɟ': "j",
	'ɠ': "g", 'ɡ': "g", 'ɢ': "g", 'ɦ': "h", 'ɧ': "h", 'ɨ': "i", 'ɪ': "i", 'ɫ': "l",
	'ɬ': "l", 'ɭ': "l", 'ɱ': "m", 'ɲ': "n", 'ɳ': "n", 'ɴ': "n", 'ɶ': "oe", 'ɼ': "r",
	'ɽ': "r", 'ɾ': "r", 'ʀ': "r", 'ʂ': "s", 'ʈ': "t", 'ʉ': "u", 'ʋ': "v", 'ʏ': "y",
	'ʐ': "z", 'ʑ': "z", 'ʙ': "b", 'ʛ': "g", 'ʜ': "h", 'ʝ': "j", 'ʟ': "l", 'ʠ': "q",
	'ʣ': "dz", 'ʥ': "dz", 'ʦ': "ts", 'ʪ': "ls", 'ʫ': "lz", 'ᴀ': "a", 'ᴁ': "ae", 'ᴃ': "b",
	'ᴄ': "c", 'ᴅ': "d", 'ᴆ': "d", 'ᴇ': "e", 'ᴊ': "j", 'ᴋ': "k", 'ᴌ': "l", 'ᴍ': "m",
	'ᴏ': "o", 'ᴘ': "p", 'ᴛ': "t", 'ᴜ': "u", 'ᴠ': "v", 'ᴡ': "w", 'ᴢ': "z", 'ꜳ': "aa",
	'ꜵ': "ao", 'ꜷ': "au", 'ꜹ': "av", 'ꜽ': "ay", 'ꝏ': "oo", 'ꝡ': "vy", 'ꝩ': "vy",
	'ⱥ': "a", 'ⱦ': "t",
}

// foldLatin replaces every latinLetters letter of s by its spelling.
func foldLatin(s string) string {
	if !strings.ContainsFunc(s, isLatinLetter) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for _, r := range s {
		if sp, ok := latinLetters[r]; ok {
			b.WriteString(sp)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLatinLetter(r rune) bool {
	_, ok := latinLetters[r]
	return ok
}

// digraphs are the letters that are also customarily written as two
// (the German and Scandinavian transliterations, also Italian registry
// practice: "Müller" as "Mueller", "Øvergård" as "Overgaard"), beside
// the one letter Fold gives them.
var digraphs = map[rune]string{
	'å': "aa", 'Å': "Aa", 'ä': "ae", 'Ä': "Ae", 'æ': "ae", 'Æ': "Ae",
	'ö': "oe", 'Ö': "Oe", 'ø': "oe", 'Ø': "Oe", 'œ': "oe", 'Œ': "Oe", 'ü': "ue", 'Ü': "Ue",
}

// maxDigraphs bounds the letters Spellings varies: 2^4 spellings of a name.
const maxDigraphs = 4

// Spellings is s in each way its letters with a customary two-letter
// form (digraphs) may be written: every combination of one letter (as
// Fold spells it) or two, for the first maxDigraphs such letters, s
// itself first. "Øvergård" gives "Øvergård", "Øvergaard", "Oevergård"
// and "Oevergaard", whose folds are "overgard", "overgaard",
// "oevergard" and "oevergaard". Strings are expected NFC (as typed).
func Spellings(s string) []string {
	out := []string{s}
	n := 0
	for i, r := range s {
		d, ok := digraphs[r]
		if !ok {
			continue
		}
		if n++; n > maxDigraphs {
			break
		}
		for _, prev := range out {
			// The rune's offset in prev: earlier replacements lengthen
			// the text by a known amount, so find it from the end.
			at := len(prev) - (len(s) - i)
			out = append(out, prev[:at]+d+prev[at+len(string(r)):])
		}
	}
	return out
}
