package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/rules"
	"github.com/ibcmc/ibcmc/version"
)

// repositoryURL is ibcmc's home: SARIF's informationUri, and where the rule catalog of ibcmc's own checks
// is published.
const repositoryURL = "https://github.com/ibcmc/ibcmc"

type vetCmd struct {
	inputArgs
	Format    string `help:"Output format: text (on stderr); json, sarif (SARIF 2.1.0 for GitHub code scanning) or github (workflow commands that annotate the design in a GitHub Actions run), on stdout." enum:"text,json,sarif,github" default:"text"`
	Strict    bool   `help:"Treat warnings as errors (waived findings excepted)."`
	SARIFRoot string `name:"sarif-root" placeholder:"DIR" help:"Directory the file names of --format sarif and github are relative to; default the top of the git work tree holding the first design path, or the current directory outside one." type:"path"`
}

func (c *vetCmd) Help() string {
	return "Exit status: 0 no errors, 1 the design has errors (or warnings with --strict), 2 usage or I/O error. " +
		"Findings accepted by the design's waivers are printed but do not count."
}

func (c *vetCmd) Run(e *env) error {
	_, l, err := findings(e, c.Paths, c.Strict)
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		if err := diag.WriteJSON(e.stdout, l); err != nil {
			return err
		}
	case "sarif", "github":
		files, err := c.fileNames()
		if err != nil {
			return err
		}
		if c.Format == "github" {
			err = diag.WriteGitHub(e.stdout, l, files)
		} else {
			err = diag.WriteSARIF(e.stdout, l, diag.SARIFOptions{
				ToolVersion: version.Tool, InformationURI: repositoryURL, Rules: sarifRules(), Files: files,
			})
		}
		if err != nil {
			return err
		}
	default:
		printText(e.stderr, l)
		if !l.HasErrors(false) {
			fmt.Fprintf(e.stderr, "ok: %s\n", diag.Summary(l))
		}
	}
	if l.HasErrors(false) {
		return invalid()
	}
	return nil
}

// fileNames says what SARIF and annotation file names are relative to: --sarif-root, or the git work tree
// holding the first design path (GitHub resolves them against the repository root), or the current
// directory.
func (c *vetCmd) fileNames() (*diag.FileNames, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root := c.SARIFRoot
	if root == "" {
		root = gitTopLevel(absFrom(cwd, c.Paths[0]))
	}
	if root == "" {
		root = cwd
	}
	return &diag.FileNames{Root: absFrom(cwd, root), Cwd: cwd}, nil
}

func absFrom(cwd, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, p)
}

// gitTopLevel finds the top of the git work tree holding path (a file or directory) the way git does
// without environment overrides: the nearest directory upwards with a .git entry (a directory, or a file
// in a linked work tree or submodule). It reads the file system only, so no git program is needed.
func gitTopLevel(path string) string {
	dir := path
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		dir = filepath.Dir(path)
	}
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// sarifRules is the rule table of a SARIF log: what GitHub shows with an alert. The help is the rule's
// `ibcmc explain` text, and its Markdown the rule's section of docs/rules.md. helpUri is the Microsoft
// Learn page the rule rests on; ibcmc's own checks, which no Microsoft page documents, link their section
// of docs/rules.md in the repository instead, so every alert has somewhere to read more.
func sarifRules() []diag.RuleInfo {
	var out []diag.RuleInfo
	for _, r := range rules.All() {
		if r.Retired() {
			continue // reserved codes are never reported, so SARIF does not list them
		}
		full := r.Summary
		for _, p := range explainParagraphs(r.Explain) {
			if p.label == "What" {
				full = p.body
				break
			}
		}
		var md strings.Builder
		writeRuleMarkdown(&md, r)
		// GitHub titles the help with the rule already.
		helpMD := strings.TrimPrefix(md.String(), fmt.Sprintf("## %s %s\n\n", r.Code, r.Name))
		uri := r.Source
		if uri == "" {
			uri = repositoryURL + "/blob/main/docs/rules.md#" + anchor(r)
		}
		out = append(out, diag.RuleInfo{
			Code: r.Code, Name: r.Name, Summary: r.Summary, Full: full,
			Help:    fmt.Sprintf("%s\n\n%s\n\nSource: %s", r.Summary, strings.TrimSpace(r.Explain), sourceText(r)),
			HelpMD:  helpMD,
			HelpURI: uri, Severity: r.Severity(),
		})
	}
	return out
}
