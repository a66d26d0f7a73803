package store

import (
	"reflect"
	"testing"

	"serenade/internal/domain"
)

// TestWholeStudyFields: every field of domain.ListFilter but those that
// only order or page the list keeps fewer than every patient, so setting
// it turns the whole-study shortcut of the order by name off; a field
// added later is a filter unless wholeStudy clears it.
func TestWholeStudyFields(t *testing.T) {
	paging := map[string]bool{"Order": true, "ByInstallation": true, "After": true, "Limit": true,
		"Role": true, "HeadCut": true, "AfterKey": true, "NameKeys": true}
	if !wholeStudy(domain.ListFilter{}) {
		t.Fatal("the zero filter is not the whole study")
	}
	all := domain.ListFilter{}
	typ := reflect.TypeFor[domain.ListFilter]()
	for i := range typ.NumField() {
		field := typ.Field(i)
		var f domain.ListFilter
		v := reflect.ValueOf(&f).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(1)
		case reflect.String:
			v.SetString("x")
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			t.Fatalf("field %s: kind %s this test cannot set", field.Name, v.Kind())
		}
		if got, want := wholeStudy(f), paging[field.Name]; got != want {
			t.Errorf("ListFilter.%s set: wholeStudy = %v, want %v", field.Name, got, want)
		}
		if paging[field.Name] {
			reflect.ValueOf(&all).Elem().Field(i).Set(v)
		}
		delete(paging, field.Name)
	}
	if len(paging) > 0 {
		t.Errorf("paging fields ListFilter no longer has: %v", paging)
	}
	if !wholeStudy(all) {
		t.Errorf("every paging field set: not the whole study")
	}
	if wholeStudy(domain.ListFilter{Patients: []int64{}}) {
		t.Error("a filter to no patients is the whole study")
	}
}
