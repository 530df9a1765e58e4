package lazyregexp

import "testing"

func TestCompiledOnFirstUseOnly(t *testing.T) {
	r := New(`^a(b+)$`)
	if !r.MatchString("abb") || r.MatchString("ac") {
		t.Error("MatchString does not match like the pattern")
	}
	if got := r.FindStringSubmatch("abbb"); len(got) != 2 || got[1] != "bbb" {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if got := New(`b+`).ReplaceAllString("abbc", "-"); got != "a-c" {
		t.Errorf("ReplaceAllString = %q", got)
	}
	if got := New(`b`).ReplaceAllStringFunc("abbc", func(string) string { return "x" }); got != "axxc" {
		t.Errorf("ReplaceAllStringFunc = %q", got)
	}
	if got := New(`a(b)`).FindAllStringSubmatch("abab", -1); len(got) != 2 || got[1][1] != "b" {
		t.Errorf("FindAllStringSubmatch = %q", got)
	}
	if got := New(`b+`).ReplaceAll([]byte("abbc"), []byte("-")); string(got) != "a-c" {
		t.Errorf("ReplaceAll = %q", got)
	}
	bad := New(`(`) // not compiled yet, so no panic here
	defer func() {
		if recover() == nil {
			t.Error("an invalid pattern did not panic on first use")
		}
	}()
	bad.MatchString("x")
}
