package sdk

import "runtime/debug"

// BuildVersion is the version of the module the running binary was built
// from, as the Go toolchain recorded it: a release's tag ("v1.2.0"), or
// "devel-<revision>" for a build from a checkout, or "devel". A plugin's
// Description takes it as its Version, so that the version follows the
// plugin's releases with no constant to keep up; a built-in plugin is
// thus the server's version.
func BuildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(bi, ok)
}

func versionOf(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}
