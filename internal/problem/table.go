package problem

import "serenade/internal/domain"

// Kind is the class of a refusal or failure, whatever the transport: the
// last segment of its problem type URI. Two kinds share a type where a
// client needs no distinction (a malformed body and a value out of range
// are both "invalid").
type Kind string

// The kinds of Serenade's errors. docs/api.md lists them ("Problem types").
const (
	Malformed            Kind = "malformed" // type invalid, 400
	Invalid              Kind = "invalid"
	Unauthenticated      Kind = "unauthenticated"
	Forbidden            Kind = "forbidden"
	NotFound             Kind = "not-found"
	MethodNotAllowed     Kind = "method-not-allowed"
	NotAcceptable        Kind = "not-acceptable"
	RequestTimeout       Kind = "request-timeout"
	Conflict             Kind = "conflict"
	TooLarge             Kind = "too-large"
	UnsupportedMediaType Kind = "unsupported-media-type"
	RateLimited          Kind = "rate-limited"
	HeadersTooLarge      Kind = "headers-too-large"
	ClientClosed         Kind = "client-closed"
	Internal             Kind = "internal"
	Unavailable          Kind = "unavailable"
	NotReady             Kind = "not-ready"
)

// Entry is one row of the error table: what every transport says for a
// kind. It is data only, so that the REST API's problem+json and the web
// UI's error pages read the same status, type and title.
type Entry struct {
	Kind   Kind
	Slug   string // the problem type, after TypeBase
	Status int    // the HTTP status code
	Title  string // the status's reason phrase
	// Domain is the domain error kind this row answers, when OfDomain.
	Domain   domain.Kind
	OfDomain bool
}

// Type is the entry's problem type URI.
func (e Entry) Type() string { return TypeBase + e.Slug }

// Table is the one error table. The first row of a status is the one a
// bare status maps to (ForStatus).
var Table = []Entry{
	{Kind: Malformed, Slug: "invalid", Status: 400, Title: "Bad Request"},
	{Kind: Invalid, Slug: "invalid", Status: 422, Title: "Unprocessable Entity", Domain: domain.KindInvalid, OfDomain: true},
	{Kind: Unauthenticated, Slug: "unauthenticated", Status: 401, Title: "Unauthorized", Domain: domain.KindUnauthenticated, OfDomain: true},
	{Kind: Forbidden, Slug: "forbidden", Status: 403, Title: "Forbidden", Domain: domain.KindForbidden, OfDomain: true},
	{Kind: NotFound, Slug: "not-found", Status: 404, Title: "Not Found", Domain: domain.KindNotFound, OfDomain: true},
	{Kind: MethodNotAllowed, Slug: "method-not-allowed", Status: 405, Title: "Method Not Allowed"},
	{Kind: NotAcceptable, Slug: "not-acceptable", Status: 406, Title: "Not Acceptable"},
	{Kind: RequestTimeout, Slug: "request-timeout", Status: 408, Title: "Request Timeout"},
	{Kind: Conflict, Slug: "conflict", Status: 409, Title: "Conflict", Domain: domain.KindConflict, OfDomain: true},
	{Kind: TooLarge, Slug: "too-large", Status: 413, Title: "Request Entity Too Large"},
	{Kind: UnsupportedMediaType, Slug: "unsupported-media-type", Status: 415, Title: "Unsupported Media Type"},
	{Kind: RateLimited, Slug: "rate-limited", Status: 429, Title: "Too Many Requests"},
	{Kind: HeadersTooLarge, Slug: "headers-too-large", Status: 431, Title: "Request Header Fields Too Large"},
	// Recorded in the audit trail for a request whose client went away
	// before it was carried out (the status nginx logs); never sent.
	{Kind: ClientClosed, Slug: "client-closed", Status: 499, Title: "Client Closed Request"},
	{Kind: Internal, Slug: "internal", Status: 500, Title: "Internal Server Error", Domain: domain.KindInternal, OfDomain: true},
	{Kind: Unavailable, Slug: "unavailable", Status: 503, Title: "Service Unavailable", Domain: domain.KindUnavailable, OfDomain: true},
	{Kind: NotReady, Slug: "not-ready", Status: 503, Title: "Service Unavailable"},
}

// Of returns the row of a kind; an unknown kind is internal.
func Of(k Kind) Entry {
	for _, e := range Table {
		if e.Kind == k {
			return e
		}
	}
	return Of(Internal)
}

// ForDomain returns the row that answers a domain error kind.
func ForDomain(k domain.Kind) Entry {
	for _, e := range Table {
		if e.OfDomain && e.Domain == k {
			return e
		}
	}
	return Of(Internal)
}

// ForStatus returns the first row of a status. A status outside the
// table is internal from 500 on, and otherwise gets a type named after
// its reason phrase, title as given.
func ForStatus(status int, title string) Entry {
	for _, e := range Table {
		if e.Status == status {
			return e
		}
	}
	slug := slugOf(title)
	if status >= 500 {
		slug = Of(Internal).Slug
	}
	return Entry{Kind: Kind(slug), Slug: slug, Status: status, Title: title}
}

// slugOf turns a reason phrase into a type slug ("I'm a teapot" stays
// readable: "i'm-a-teapot").
func slugOf(title string) string {
	out := make([]rune, 0, len(title))
	for _, r := range title {
		switch {
		case r == ' ':
			out = append(out, '-')
		case r >= 'A' && r <= 'Z':
			out = append(out, r+'a'-'A')
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
