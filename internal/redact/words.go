package redact

// The word lists below are folded (textfold.Fold) forms.

// streetTypes maps a street type to the spellings staff use for it,
// abbreviations without their dots. "v" is via or viale, "p" piazza, "c"
// corso: a text that abbreviates the type still names the street.
var streetTypes = func() map[string][]string {
	spellings := [][]string{
		{"via", "v"},
		{"viale", "vle", "v"},
		{"piazza", "pza", "pzza", "p"},
		{"piazzale", "ple", "pzle"},
		{"corso", "cso", "c"},
		{"largo", "lgo"},
		{"vicolo", "vic", "vlo"},
		{"strada", "str"},
		{"contrada", "cda"},
		{"localita", "loc"},
		{"frazione", "fraz"},
		{"borgo", "bgo"},
		{"galleria", "gall"},
		{"alzaia"},
		{"ripa"},
		{"lungomare"},
		{"vicoletto"},
		{"salita"},
		{"traversa", "trav"},
	}
	m := map[string][]string{}
	for _, s := range spellings {
		for _, spelling := range s {
			if _, ok := m[spelling]; !ok || spelling == s[0] {
				m[spelling] = s
			}
		}
	}
	return m
}()

// numberWords are what may stand between a street and its house number
// besides punctuation: "via Padova n. 118", "via Padova civico 118".
var numberWords = []string{"", "n", "nr", "num", "numero", "civ", "civico"}

// particles are the short words inside Italian names ("De Luca", "Della
// Valle", "Lo Russo"): matched as part of the name, never alone.
var particles = set("d", "de", "di", "da", "del", "della", "dello", "delle", "dei", "degli", "dal", "dalla", "dallo",
	"dai", "dagli", "la", "lo", "le", "li", "l", "san", "santa", "santo", "van", "von", "der", "den", "mc", "mac")

// relationWords are the words of a contact's alias that say who the
// contact is rather than name them, in Italian and English: relations,
// possessives, age and birth order, floors and positions in a building,
// places and institutions, titles (folded without their dots: "sig.ra"
// is "sig" and "ra"), articles, and the usual labels of a phone number.
// Particles ("di", "della") are not among them: they may be part of a
// name. A few are also first names (Primo, Secondo, Donna): an alias
// that uses one as a name loses it to the list, the price of keeping
// "il figlio secondo" readable.
var relationWords = set(
	// possessives and articles
	"mio", "mia", "miei", "mie", "tuo", "tua", "tuoi", "tue", "suo", "sua", "suoi", "sue", "nostro", "nostra",
	"nostri", "nostre", "vostro", "vostra", "vostri", "vostre", "loro", "my", "his", "her", "hers", "their", "our",
	"your", "its", "un", "una", "uno", "an", "al", "allo", "alla", "ai", "agli", "alle", "nel", "nello", "nella",
	"nei", "negli", "nelle", "sul", "sullo", "sulla", "sui", "sugli", "sulle", "col", "coi", "su", "tra", "fra",
	"from", "on", "by", "to", "base", "curante", "famiglia", "family", "che", "who", "lives", "abita", "sta",
	// age and birth order
	"maggiore", "minore", "piu", "grado", "grande", "piccolo", "piccola", "giovane", "vecchio", "vecchia", "anziano", "anziana",
	"primo", "prima", "secondo", "seconda", "terzo", "terza", "quarto", "quarta", "ultimo", "ultima",
	"primogenito", "primogenita", "secondogenito", "secondogenita", "ultimogenito", "ultimogenita", "gemello",
	"gemella", "eldest", "oldest", "elder", "older", "youngest", "younger", "little", "big", "first", "second",
	"third", "middle", "twin",
	// floors, positions and places
	"piano", "piani", "pianterreno", "terra", "rialzato", "seminterrato", "attico", "mansarda", "sotto", "sopra",
	"accanto", "fianco", "destra", "sinistra", "fronte", "davanti", "dietro", "superiore", "inferiore", "pianerottolo", "scala", "interno",
	"condominio", "palazzo", "stabile", "portone", "cortile", "porta", "portineria", "downstairs", "upstairs",
	"next", "door", "floor", "ground", "flat", "apartment", "building", "across", "opposite", "below", "above",
	"parrocchia", "chiesa", "oratorio", "parroco", "comune", "farmacia", "farmacista", "studio", "centro",
	"associazione", "servizi", "servizio", "negozio", "bar", "edicola", "church", "parish", "pharmacy", "priest",
	"vicar", "vicario", "pastor",
	// titles
	"don", "donna", "suor", "suora", "fra", "frate", "prof", "professore", "professoressa", "avv", "avvocato",
	"ing", "ingegnere", "geom", "geometra", "rag", "ragioniere", "arch", "architetto", "cav", "comm", "mons",
	"monsignore", "rev", "reverendo", "na", "sigg", "signori", "gentile", "gent", "sr", "jr", "father", "revd",

	"figlio", "figlia", "figli", "figlie", "moglie", "marito", "compagno", "compagna", "convivente",
	"fratello", "sorella", "madre", "padre", "mamma", "papa", "nonno", "nonna", "nipote", "nipoti",
	"zio", "zia", "cugino", "cugina", "cognato", "cognata", "genero", "nuora", "suocero", "suocera",
	"badante", "assistente", "vicino", "vicina", "vicini", "amico", "amica", "portinaio", "portinaia", "custode",
	"tutore", "tutrice", "amministratore", "sostegno", "caregiver", "parente", "familiare", "referente",
	"son", "daughter", "wife", "husband", "partner", "brother", "sister", "mother", "father", "mum", "mom", "dad",
	"grandson", "granddaughter", "grandchild", "niece", "nephew", "uncle", "aunt", "cousin", "carer", "neighbour",
	"neighbor", "friend", "guardian", "relative", "in", "law", "step", "stepson", "stepdaughter",
	"grandmother", "grandfather", "grandma", "grandpa", "granny", "boyfriend", "girlfriend", "fiance", "fiancee",
	"caretaker", "nurse", "housekeeper", "cleaner", "lodger", "flatmate", "roommate", "landlord", "concierge",
	"doorman", "janitor", "nipotino", "nipotina", "bisnonno", "bisnonna", "fidanzato", "fidanzata", "ex",
	"infermiere", "infermiera", "medico", "colf", "domestica", "governante", "portiere", "sociale", "inquilino",
	"inquilina", "coinquilino", "coinquilina", "proprietario", "proprietaria",
	"sig", "sigra", "ra", "signor", "signora", "signore", "signorina", "dott", "dottssa", "ssa", "dottore",
	"dottoressa", "mr", "mrs", "ms", "miss", "dr",
	"il", "i", "gli", "the", "of", "and", "e", "ed", "con", "per", "with", "for", "at", "a",
	"casa", "cell", "cellulare", "tel", "telefono", "fisso", "ufficio", "lavoro", "numero", "contatto",
	"home", "mobile", "work", "office", "phone", "contact", "primary", "secondary", "emergency", "emergenza",
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
