package pathfs

import "path"

// HostToGuest maps a host path, as the kernel returns it (getcwd(2),
// readlink(2) of /proc/PID/fd/N, ...), back to the guest path: through the
// most specific binding whose host path contains it, else the rootfs.
// ok is false when the guest cannot see the path: it lies in no binding,
// or only where a more specific binding hides it (a rootfs file under a
// bound directory). Callers then show it unchanged or fail.
func (v *View) HostToGuest(host string) (guest string, ok bool) {
	if host == "" || host[0] != '/' {
		return "", false
	}
	if !isCleanAbs(host) {
		host = path.Clean(host)
	}
	for _, e := range v.byHost {
		if !hasPathPrefix(host, e.host) {
			continue
		}
		g := string(appendJoin(nil, e.guest, pathTail(host, e.host)))
		if owner(v, g) == e {
			return g, true
		}
	}
	return "", false
}
