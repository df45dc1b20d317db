package plan

// Waiver is one entry of the design's waivers: the findings of rule Code at FindingPath, or below it,
// are accepted for Reason until Expires (a YYYY-MM-DD day, inclusive; empty for no end). Path is the
// waiver's own place in the design, waivers[i], where a waiver that no longer applies is reported.
type Waiver struct {
	Path        string
	Code        string
	FindingPath string
	Reason      string
	Expires     string
}

// Covers reports whether a finding at path lies at the waiver's path or below it.
func (w *Waiver) Covers(path string) bool {
	for q := path; ; q = ParentPath(q) {
		if q == w.FindingPath {
			return true
		}
		if q == "" {
			return false
		}
	}
}
