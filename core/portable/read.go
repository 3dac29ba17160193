package portable

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// User is one <user/> of a file, with the host it is under.
type User struct {
	Host, Name string
	Element    *etree.Element
	File       string
}

// ReadFiles reads the users of XEP-0227 files: each path a file, or a
// directory whose *.xml files are read in name order (Prosody's migrator
// writes one file per account, user@host.xml).
func ReadFiles(paths []string) ([]User, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.xml"))
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s holds no .xml file", p)
		}
		slices.Sort(matches)
		files = append(files, matches...)
	}
	var users []User
	for _, f := range files {
		us, err := readFile(f)
		if err != nil {
			return nil, err
		}
		users = append(users, us...)
	}
	return users, nil
}

func readFile(path string) ([]User, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "server-data" || root.NamespaceURI() != NS {
		return nil, fmt.Errorf("%s is not an XEP-0227 file: its root is not <server-data xmlns='%s'/>", path, NS)
	}
	var users []User
	for _, host := range root.ChildElements() {
		if host.Tag == "include" {
			return nil, fmt.Errorf("%s: XInclude (XEP-0227 §5) is not supported; name the included files on the command line instead", path)
		}
		if host.Tag != "host" || host.NamespaceURI() != NS {
			continue
		}
		jid := strings.ToLower(strings.TrimSpace(host.SelectAttrValue("jid", "")))
		if jid == "" {
			return nil, fmt.Errorf("%s: a <host/> has no jid", path)
		}
		for _, u := range host.ChildElements() {
			if u.Tag == "include" {
				return nil, fmt.Errorf("%s: XInclude (XEP-0227 §5) is not supported; name the included files on the command line instead", path)
			}
			if u.Tag != "user" || u.NamespaceURI() != NS {
				continue
			}
			name := u.SelectAttrValue("name", "")
			if name == "" {
				return nil, fmt.Errorf("%s: a <user/> of %s has no name", path, jid)
			}
			users = append(users, User{Host: jid, Name: name, Element: u, File: path})
		}
	}
	return users, nil
}
