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
// writes one file per account, user@host.xml; ejabberd a main file that
// includes one per host, which is read once).
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
	r := reader{read: map[string]bool{}}
	for _, f := range files {
		if err := r.file(f); err != nil {
			return nil, err
		}
	}
	return r.users, nil
}

// reader reads files, following XInclude (ejabberd's export_piefxis
// writes a main file that includes one file per host), each file once.
type reader struct {
	read  map[string]bool
	users []User
}

func (r *reader) file(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if r.read[abs] {
		return nil
	}
	r.read[abs] = true
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(path); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	root := doc.Root()
	switch {
	case root != nil && root.Tag == "server-data" && isPIE(root.NamespaceURI()):
		for _, el := range root.ChildElements() {
			if err := r.hostOrInclude(path, el); err != nil {
				return err
			}
		}
		return nil
	case root != nil && root.Tag == "host" && isPIE(root.NamespaceURI()):
		return r.host(path, root)
	}
	return fmt.Errorf("%s is not an XEP-0227 file: its root is not <server-data xmlns='%s'/>", path, NS)
}

func (r *reader) hostOrInclude(path string, el *etree.Element) error {
	switch {
	case el.Tag == "include" && el.NamespaceURI() == nsXInclude:
		href := el.SelectAttrValue("href", "")
		if href == "" || strings.Contains(href, ":") {
			return fmt.Errorf("%s: an XInclude of %q: only files beside it are read", path, href)
		}
		return r.file(filepath.Join(filepath.Dir(path), href))
	case el.Tag == "host" && isPIE(el.NamespaceURI()):
		return r.host(path, el)
	}
	return nil
}

func (r *reader) host(path string, host *etree.Element) error {
	jid := strings.ToLower(strings.TrimSpace(host.SelectAttrValue("jid", "")))
	if jid == "" {
		return fmt.Errorf("%s: a <host/> has no jid", path)
	}
	for _, u := range host.ChildElements() {
		if u.Tag == "include" && u.NamespaceURI() == nsXInclude {
			return fmt.Errorf("%s: an XInclude inside <host/> is not supported; name the files on the command line", path)
		}
		if u.Tag != "user" || !isPIE(u.NamespaceURI()) {
			continue
		}
		name := u.SelectAttrValue("name", "")
		if name == "" {
			return fmt.Errorf("%s: a <user/> of %s has no name", path, jid)
		}
		r.users = append(r.users, User{Host: jid, Name: name, Element: u, File: path})
	}
	return nil
}

// nsXInclude is XInclude's namespace (XEP-0227 §5).
const nsXInclude = "http://www.w3.org/2001/XInclude"

// nsPIEOld is the namespace of XEP-0227 before version 1.0, which
// ejabberd's export still writes.
const nsPIEOld = "http://www.xmpp.org/extensions/xep-0227.html#ns"

func isPIE(ns string) bool { return ns == NS || ns == nsPIEOld }
