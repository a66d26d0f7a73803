package main

import (
	"strings"
	"testing"
)

func TestTitleCase(t *testing.T) {
	cases := map[string]string{
		"MILANO":                 "Milano",
		"REGGIO NELL'EMILIA":     "Reggio nell'Emilia",
		"L'AQUILA":               "L'Aquila",
		"ACI SANT'ANTONIO":       "Aci Sant'Antonio",
		"CASTAGNOLE DELLE LANZE": "Castagnole delle Lanze",
		"AGLIE'":                 "Aglie'",
		"STATI UNITI D'AMERICA":  "Stati Uniti d'America",
		"GRESSONEY-SAINT-JEAN":   "Gressoney-Saint-Jean",
		"SAINT-RHEMY-EN-BOSSES":  "Saint-Rhemy-en-Bosses",
		"GAZA (TERRITORIO DI)":   "Gaza (Territorio di)",
		"CAYMAN (ISOLE)":         "Cayman (Isole)",
		"E":                      "E",
	}
	for in, want := range cases {
		if got := titleCase(in); got != want {
			t.Errorf("titleCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRowReadsBothQuoteStyles(t *testing.T) {
	for _, line := range []string{
		`['A029', 'CT', "ACI SANT'ANTONIO", 1],`,
		`["A029","CT","ACI SANT'ANTONIO",1]`,
		`['A029', 'CT', 'ACI SANT\'ANTONIO', 1]`,
	} {
		e, err := parseRow(line)
		if err != nil {
			t.Fatalf("parseRow(%s): %v", line, err)
		}
		if e != (entry{"A029", "CT", "ACI SANT'ANTONIO", true}) {
			t.Errorf("parseRow(%s) = %+v", line, e)
		}
	}
}

func TestParseRowRejectsMalformedRows(t *testing.T) {
	for _, line := range []string{
		`['A29', 'CT', 'X', 1]`,
		`['A029', 'CT', 'X']`,
		`['A029', 'EE', 'X', 1]`,
		`['Z100', 'CT', 'X', 1]`,
		`['A029', 'CT', 'X', 2]`,
		`['A029', 'CT', 'X, 1]`,
		`garbage`,
	} {
		if _, err := parseRow(line); err == nil {
			t.Errorf("parseRow(%s) accepted a malformed row", line)
		}
	}
}

func TestChoosePrefersActiveThenFullerName(t *testing.T) {
	rows := choose([]entry{
		{"A001", "PD", "ABANO BAGNI", false},
		{"A001", "PD", "ABANO TERME", true},
		{"A002", "CO", "ABBADIA", false},
		{"A002", "CO", "ABBADIA SOPRA ADDA", false},
		{"Z154", "EE", "RUSSIA=FEDERAZIONE RUSSA", true},
		{"Z154", "EE", "FEDERAZIONE RUSSA", true},
		{"Z114", "EE", "GRAN BRETAGNA E IRLANDA DEL NORD", true},
		{"Z114", "EE", "REGNO UNITO", true},
	})
	var got []string
	for _, r := range rows {
		got = append(got, r.code+"|"+r.province+"|"+r.name)
	}
	want := "A001|PD|Abano Terme A002|CO|Abbadia Sopra Adda Z114||Regno Unito Z154||Federazione Russa"
	if strings.Join(got, " ") != want {
		t.Errorf("choose = %q, want %q", strings.Join(got, " "), want)
	}
}
