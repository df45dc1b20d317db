package diag

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// RuleInfo describes a rule for the SARIF tool.driver.rules table, which GitHub code scanning shows with
// each alert.
type RuleInfo struct {
	Code, Name string
	Summary    string // one line: shortDescription
	Full       string // a paragraph saying what the rule checks: fullDescription
	Help       string // the whole explanation as plain text: help.text
	HelpMD     string // the same as Markdown: help.markdown
	HelpURI    string // where to read more: helpUri; empty for none
	Severity   Severity
}

// SARIFOptions are what a SARIF log says about the tool and where the design files are.
type SARIFOptions struct {
	ToolVersion    string
	InformationURI string
	Rules          []RuleInfo
	// Files makes artifact URIs relative to the repository root (uriBaseId %SRCROOT%), which is how
	// GitHub code scanning matches them to files of the checkout.
	Files *FileNames
}

// SRCROOT is the uriBaseId of every relative artifact URI: the repository root.
const SRCROOT = "%SRCROOT%"

// FingerprintKey names ibcmc's partial fingerprint: a hash of the rule code and the design path, so that
// GitHub keeps one alert per finding across runs even when lines move or messages are reworded.
const FingerprintKey = "ibcmcFinding/v1"

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version"`
	SemanticVersion string      `json:"semanticVersion"`
	InformationURI  string      `json:"informationUri,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	FullDescription      sarifMessage `json:"fullDescription"`
	Help                 sarifHelp    `json:"help"`
	HelpURI              string       `json:"helpUri,omitempty"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           *int               `json:"ruleIndex,omitempty"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
}

// sarifSuppression is a waiver: the design itself (in source) accepts the finding, with the reason.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// artifact is a position's file as a SARIF artifact location: a URI reference relative to the repository
// root with uriBaseId %SRCROOT%, or an absolute file URI (and no base) for a file outside the root.
func artifact(files *FileNames, name string) sarifArtifact {
	rel, inside := files.Relative(name)
	if inside {
		return sarifArtifact{URI: (&url.URL{Path: rel}).String(), URIBaseID: SRCROOT}
	}
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel // a Windows drive path, C:/x, is the URI path /C:/x
	}
	return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(rel)}).String()}
}

// Fingerprint is the partial fingerprint of a finding: its rule code and design path (or file when it has
// no path), hashed.
func Fingerprint(d Diagnostic) string {
	where := d.Path
	if where == "" {
		where = d.Pos.File
	}
	sum := sha256.Sum256([]byte(d.Code + "\x00" + where))
	return hex.EncodeToString(sum[:16])
}

// WriteSARIF writes a SARIF 2.1.0 log for GitHub code scanning: the rule table with descriptions and help,
// and one result per finding (code → ruleId, severity → level, pos → physicalLocation, path →
// logicalLocation), waived findings as accepted suppressions.
func WriteSARIF(w io.Writer, l List, opts SARIFOptions) error {
	driver := sarifDriver{
		Name: "ibcmc", Version: opts.ToolVersion, SemanticVersion: opts.ToolVersion,
		InformationURI: opts.InformationURI, Rules: []sarifRule{},
	}
	index := map[string]int{}
	for i, r := range opts.Rules {
		index[r.Code] = i
		sr := sarifRule{
			ID: r.Code, Name: r.Name,
			ShortDescription: sarifMessage{Text: sentence(r.Summary)},
			FullDescription:  sarifMessage{Text: sentence(firstNonEmpty(r.Full, r.Summary))},
			Help:             sarifHelp{Text: firstNonEmpty(r.Help, r.Summary), Markdown: r.HelpMD},
			HelpURI:          r.HelpURI,
		}
		sr.DefaultConfiguration.Level = sarifLevel(r.Severity)
		driver.Rules = append(driver.Rules, sr)
	}
	results := []sarifResult{}
	for _, d := range l {
		var loc sarifLocation
		if d.Pos.IsValid() {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: artifact(opts.Files, d.Pos.File)}
			if d.Pos.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: d.Pos.Line, StartColumn: d.Pos.Column}
			}
		}
		if d.Path != "" {
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: d.Path}}
		}
		res := sarifResult{
			RuleID:              d.Code,
			Level:               sarifLevel(d.Severity),
			Message:             sarifMessage{Text: Text(d)},
			Locations:           []sarifLocation{loc},
			PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(d)},
		}
		if i, ok := index[d.Code]; ok {
			res.RuleIndex = &i
		}
		if d.Waived != nil {
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Status: "accepted", Justification: oneLine(d.Waived.String())}}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
