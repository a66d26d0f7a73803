// Package codicefiscale validates and decodes the Italian tax code (codice
// fiscale) of natural persons: sex, birth date and birth place, including
// codes altered for omocodia.
//
// # Place data
//
// Birth places come from the Belfiore code list of the npm package
// codice-fiscale-js, version 2.4.0, by Luca Vandro and contributors,
// licensed CC BY-SA 4.0 (Creative Commons Attribution-ShareAlike 4.0
// International). It was chosen over the alternatives because it is the most
// complete list available: it keeps suppressed municipalities, which matter
// for patients born decades ago, uses current province codes, and lists
// foreign states and territories under their Z codes, historic ones included.
// The table in places_gen.go is an adaptation of that data (one row per
// code, names title-cased) and is shared under the same CC BY-SA 4.0 licence;
// the code of this package is not derived from it.
//
// places_gen.go is generated and committed, so builds need no network. To
// refresh it, bump the version in gen.sh and internal/gen, then run
// go generate in this directory (it needs npm and the npm registry).
package codicefiscale

//go:generate sh gen.sh
