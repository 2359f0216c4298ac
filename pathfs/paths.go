package pathfs

// Lexical helpers shared by the guest and host sides. They take string or
// []byte so that the walker can use them on its buffers without copying.

// hasPathPrefix reports whether the clean absolute path p is prefix or
// lies under it, component-wise: "/ab" is not under "/a".
func hasPathPrefix[S ~string | ~[]byte](p S, prefix string) bool {
	if prefix == "/" {
		return len(p) > 0 && p[0] == '/'
	}
	if len(p) < len(prefix) || string(p[:len(prefix)]) != prefix {
		return false
	}
	return len(p) == len(prefix) || p[len(prefix)] == '/'
}

// pathTail returns the part of p below prefix ("" or "/..."), given
// hasPathPrefix(p, prefix).
func pathTail[S ~string | ~[]byte](p S, prefix string) S {
	if prefix == "/" {
		if len(p) == 1 {
			return p[:0]
		}
		return p
	}
	return p[len(prefix):]
}

// appendJoin appends base+tail to dst, where tail is "" or starts with '/'
// (as from pathTail), without doubling the slash when base is "/".
func appendJoin[S ~string | ~[]byte](dst []byte, base string, tail S) []byte {
	if base == "/" && len(tail) > 0 {
		return append(dst, tail...)
	}
	dst = append(dst, base...)
	return append(dst, tail...)
}

// isCleanAbs reports whether p is absolute and clean as path.Clean makes
// it: no empty, "." or ".." component and no trailing slash (but "/").
func isCleanAbs(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if p == "/" {
		return true
	}
	if p[len(p)-1] == '/' {
		return false
	}
	for i := 0; i < len(p); {
		// p[i] == '/'; the component is p[i+1:j].
		j := i + 1
		for j < len(p) && p[j] != '/' {
			j++
		}
		switch p[i+1 : j] {
		case "", ".", "..":
			return false
		}
		i = j
	}
	return true
}

// parentDir returns the parent of the clean absolute path p ("/" for "/").
func parentDir(p string) string {
	i := len(p) - 1
	for i > 0 && p[i] != '/' {
		i--
	}
	if i == 0 {
		return "/"
	}
	return p[:i]
}
