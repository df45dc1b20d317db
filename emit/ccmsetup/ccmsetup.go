// Package ccmsetup writes ccmsetup/<population>.cmd: per client population, a batch file whose comments
// explain every parameter and property and the design field it came from, followed by the command line.
// For Group Policy and software update-based installation, where nobody runs ccmsetup with a line, the file
// prints the arguments for the ConfigMgrInstallation.adm setting instead. Files use CRLF line endings, as
// cmd.exe and Windows editors expect.
package ccmsetup

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes one .cmd file per install profile.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	var files []emit.File
	for _, prof := range p.Installs {
		content, err := render(p, prof, o)
		if err != nil {
			return nil, fmt.Errorf("population %s: %w", prof.Population, err)
		}
		files = append(files, emit.File{Path: "ccmsetup/" + prof.ID + ".cmd", Content: content})
	}
	return files, nil
}

type script struct{ lines []string }

func (s *script) raw(line string) { s.lines = append(s.lines, line) }

// rem writes a comment line; the text is made safe for REM (one line, % doubled).
func (s *script) rem(text string) {
	if text == "" {
		s.raw("REM")
		return
	}
	s.raw("REM " + escape.CmdComment(text))
}

func render(p *plan.Plan, prof *plan.InstallProfile, o emit.Options) ([]byte, error) {
	groupPolicy := plan.GroupPolicyArguments(prof.Method)
	line, err := commandLine(prof, groupPolicy)
	if err != nil {
		return nil, err
	}
	var s script
	// @echo off comes first: before it runs, cmd.exe echoes every line, the provenance REM included. The "@"
	// keeps that line itself from echoing.
	s.raw("@echo off")
	// The provenance names the design file, which may hold a %; it gets the same treatment as any comment.
	s.raw(strings.ReplaceAll(strings.TrimSuffix(emit.Provenance(emit.Batch, p, o), "\n"), "%", "%%"))
	// Delayed expansion off keeps "!" literal in values; extensions on for "if defined".
	s.raw("setlocal EnableExtensions DisableDelayedExpansion")
	s.rem("")
	describe(&s, p, prof)
	if len(prof.Params) > 0 {
		s.rem("")
		s.rem("Parameters:")
		for _, x := range prof.Params {
			explain(&s, x)
		}
	}
	s.rem("")
	s.rem("Properties:")
	for _, x := range prof.Properties {
		explain(&s, x)
	}
	if len(prof.Notes) > 0 {
		s.rem("")
		s.rem("Notes:")
		for _, n := range prof.Notes {
			s.rem("  - " + n)
		}
	}
	s.rem("")
	if groupPolicy {
		if !ascii(line) {
			s.raw("chcp 65001 >nul")
		}
		// echo( prints the rest of the line as it is, whatever it starts with; the arguments are escaped for
		// cmd.exe exactly as on a command line, so what it prints is the arguments themselves.
		s.raw("echo(" + line)
		return []byte(strings.Join(s.lines, "\r\n") + "\r\n"), nil
	}
	if prof.TokenEnv != "" {
		// Fail before ccmsetup runs without a token: it would install a client that can never register.
		s.raw("if not defined " + prof.TokenEnv + " (")
		s.raw("    echo " + prof.TokenEnv + " is not set: create a bulk registration token with BulkRegistrationTokenTool.exe /new on the top-level site server and set " + prof.TokenEnv + " to it. 1>&2")
		s.raw("    exit /b 1")
		s.raw(")")
	}
	if !ascii(line) {
		// cmd.exe reads each line in the console code page; a value outside ASCII (a path or a subject with
		// accents) reaches ccmsetup intact only when the file, written in UTF-8, is read as UTF-8.
		s.raw("chcp 65001 >nul")
	}
	// Explorer's "Run as administrator" starts in System32: run from the folder this file was copied to.
	s.raw(`pushd "%~dp0"`)
	s.raw(line)
	s.raw(`set "IBCMC_EXIT=%ERRORLEVEL%"`)
	s.raw("popd")
	s.raw("exit /b %IBCMC_EXIT%")
	return []byte(strings.Join(s.lines, "\r\n") + "\r\n"), nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func describe(s *script, p *plan.Plan, prof *plan.InstallProfile) {
	c := p.Population(prof.Population)
	s.rem(fmt.Sprintf("ccmsetup for client population %s (%s).", prof.Population, prof.Path))
	if c == nil {
		return
	}
	count := ""
	if c.Count > 0 {
		count = fmt.Sprintf("%d clients, ", c.Count)
	}
	s.rem(fmt.Sprintf("%sjoin %s, management %s, authentication %s, via %s.", count, c.Join, c.Management, c.Auth, c.Via))
	switch {
	case plan.GroupPolicyArguments(c.Install.Method):
		s.rem(fmt.Sprintf("Install method %s, from %s. This file installs nothing: it prints the ccmsetup arguments that Group Policy provisions through ConfigMgrInstallation.adm (%s.cmd | clip copies them).",
			c.Install.Method, c.Install.From, prof.ID))
	case c.Install.Method == plan.InstallLogonScript:
		s.rem(fmt.Sprintf("Install method %s, from %s. Copy this file next to %s and run it from the users' logon script.", c.Install.Method, c.Install.From, prof.Program))
	default:
		s.rem(fmt.Sprintf("Install method %s, from %s. Copy this file next to %s and run it as an administrator.", c.Install.Method, c.Install.From, prof.Program))
	}
}

// explain writes one parameter or property as it appears on the line, what it does, and where it came from.
func explain(s *script, x plan.Param) {
	shown := display(x)
	s.rem("  " + shown)
	s.rem("      " + x.Why)
	from := append([]string{x.Origin}, x.Also...)
	s.rem("      From " + strings.Join(from, ", ") + ".")
}

// display is the argument as a reader should see it in a comment: as on the canonical line, except that a
// token reference names its variable.
func display(x plan.Param) string {
	if x.EnvRef {
		return x.Name + ":<token from the environment variable " + strings.Trim(x.Value, "%") + ">"
	}
	if x.Flag() {
		return x.Name
	}
	v, _ := plan.CanonicalValue(x, false) // never fails
	return x.Name + x.Separator() + v
}

// commandLine renders the profile's line for a batch file: plan's one rendering of the line (Line), with
// every design value escaped for cmd.exe. An unsafe value is an error: the line is never written with it.
// With groupPolicy it is the arguments alone, to be printed, and a variable reference stays literal: Group
// Policy would store whatever it expanded to.
func commandLine(prof *plan.InstallProfile, groupPolicy bool) (string, error) {
	return prof.Line(func(x plan.Param, nested bool) (string, error) {
		if x.EnvRef {
			// The one place a % reaches cmd.exe unescaped: the variable must expand. It is ibcmc's own
			// reference, not design text; check its shape all the same.
			name := strings.Trim(x.Value, "%")
			if x.Value != "%"+name+"%" || name == "" || strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != "" {
				return "", fmt.Errorf("malformed environment reference %q", x.Value)
			}
			if groupPolicy {
				return strings.ReplaceAll(x.Value, "%", "%%"), nil
			}
			return x.Value, nil
		}
		if nested {
			return escape.CmdNestedArg(x.Value)
		}
		return escape.CmdArg(x.Value)
	})
}
