package domain

// Limit bounds one input of the study, by the name it has in every
// transport (a JSON property, a path or query parameter). Zero means no
// bound of that sort.
type Limit struct {
	MaxLength int // characters: code points after the text policy's normalisation
	MinLength int
	Minimum   int // an integer's least value, when HasMinimum
	Maximum   int // an integer's greatest value; 0 means none
	MaxItems  int // an array's greatest length

	HasMinimum bool
}

// Bounds that are not a text rule's.
const (
	// RefMaxLength bounds a reference in a path or query: an internal id,
	// or a pseudonym (32 characters today, with room to grow).
	RefMaxLength = 40
	// MaxContacts bounds the contacts given at enrolment.
	MaxContacts = 20
	// AuditPageMax is the most audit entries one page returns;
	// AuditPageDefault is what a page without a limit returns.
	AuditPageMax     = 1000
	AuditPageDefault = 100
	// AuditActorMaxLength and AuditActionMaxLength bound the audit
	// trail's filters (a username, an action name).
	AuditActorMaxLength  = UsernameMaxLength
	AuditActionMaxLength = 60
	// ListPageDefault is the rows a page of a list returns without a
	// limit; a page holds at most AuditPageMax rows (the "limit" of every
	// list and of the audit trail).
	ListPageDefault = 100
	// CursorMaxLength bounds a list's opaque cursor (a few hundred
	// characters in practice).
	CursorMaxLength = 1024
	// SearchMaxLength bounds a doctor's patient search.
	SearchMaxLength = 100
	// ListPatientsMax bounds the patients a list is filtered to (the
	// screening list's repeated "patient"): the references of up to 40
	// characters (RefMaxLength) fit in a request line well within
	// httplimit.MaxHeaderBytes (32 KiB), and it is more than a page of any
	// list the web shows.
	ListPatientsMax = 500
	// NameSortMax is the most patients a list sorts by surname: names are
	// sealed, so that order is made in memory (from names each process
	// keeps, store/namesort.go); beyond it, the doctor narrows the list
	// first (search, status, diagnosis class).
	NameSortMax = 2000
	// UsernameMaxLength bounds a username (UsernameRule says it in words);
	// PasswordMaxLength bounds a password at login, in bytes.
	UsernameMaxLength = 100
	PasswordMaxLength = 1024
	// BirthYearMin and BirthYearMax bound the doctor's confirmation of a
	// birth year: a sanity bound of the input only; the codice fiscale
	// rule (codicefiscale.Rule) decides which years are plausible.
	BirthYearMin = 1800
	BirthYearMax = 2200
	// MaxPoints bounds the points of a downsampled sensor series;
	// MaxSeries the streams of one stacked read (consult uses both).
	MaxPoints = 10_000
	MaxSeries = 20
)

// Limits is the one table of input limits. The API's OpenAPI schema
// states them (the API applies this table to every request schema, and
// a test holds the document equal to it); the text rules enforce the
// same numbers on every path in (API, command line, demo seeding). The
// text fields' entries come from the fields' own rules.
var Limits = buildLimits()

func buildLimits() map[string]Limit {
	l := map[string]Limit{
		"contacts": {MaxItems: MaxContacts},
		// The doctor's confirmation of a birth year.
		"birth_year": {Minimum: BirthYearMin, HasMinimum: true, Maximum: BirthYearMax},
		// A ticket message is never empty.
		"message": {MaxLength: MessageText.Max, MinLength: 1},
		"body":    {MaxLength: MessageText.Max, MinLength: 1},
		// References in paths and queries.
		// A list's filter by patients (the screening list's "patient",
		// repeated) names at most ListPatientsMax of them.
		"patient": {MaxLength: RefMaxLength, MaxItems: ListPatientsMax}, "installation": {MaxLength: RefMaxLength},
		"ticket": {MaxLength: RefMaxLength}, "document": {MaxLength: RefMaxLength}, "contact": {MaxLength: RefMaxLength},
		// The audit trail's filters and pages.
		"actor":  {MaxLength: AuditActorMaxLength},
		"action": {MaxLength: AuditActionMaxLength},
		"limit":  {Minimum: 1, HasMinimum: true, Maximum: AuditPageMax},
		// The lists' opaque cursors and the doctors' search.
		"cursor": {MaxLength: CursorMaxLength},
		"q":      {MaxLength: SearchMaxLength},
		// Login.
		"username": {MaxLength: UsernameMaxLength},
		"password": {MaxLength: PasswordMaxLength},
		// Sensor data consultation: a stream reference, the streams of a
		// stacked chart, and the points of a downsampled series.
		"stream": {MaxLength: RefMaxLength}, "streams": {MaxItems: MaxSeries},
		"max_points": {Minimum: 1, HasMinimum: true, Maximum: MaxPoints},
		// A collection-date correction's reason.
		"reason": {MaxLength: CorrectionReasonText.Max, MinLength: 1},
	}
	var fields []textField
	fields = append(fields, (&Identity{}).textFields()...)
	fields = append(fields, (&Contact{}).textFields()...)
	fields = append(fields, (&HomeContext{}).textFields()...)
	for _, f := range fields {
		l[f.name] = Limit{MaxLength: f.rule.Max}
	}
	return l
}
