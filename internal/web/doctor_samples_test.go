package web

// doctorSamples are the doctor's pages rendered by the template test.
func doctorSamples() []sample { return nil }
