package common

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/sahilm/fuzzy"
)

// TestFilterMatchesSahilmFuzzy checks that Apply keeps exactly the rows
// sahilm/fuzzy matches (the reference semantics), on random names.
func TestFilterMatchesSahilmFuzzy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := "abcdeXYZ-/.0129 "
	texts := make([]string, 2000)
	for i := range texts {
		b := make([]byte, 5+rng.Intn(30))
		for j := range b {
			b[j] = alphabet[rng.Intn(len(alphabet))]
		}
		texts[i] = string(b)
	}
	folded := make([]string, len(texts))
	for i, s := range texts {
		folded[i] = Fold(s)
	}
	for n := 0; n < 300; n++ {
		p := make([]byte, 1+rng.Intn(4))
		for j := range p {
			p[j] = alphabet[rng.Intn(len(alphabet)-1)] // no space in patterns
		}
		pattern := string(p)
		var want []int
		for _, m := range fuzzy.FindNoSort(pattern, texts) {
			want = append(want, m.Index)
		}
		got := ParseFilter("%"+pattern).Apply(folded, nil)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pattern %q: got %d rows, sahilm/fuzzy %d", pattern, len(got), len(want))
		}
	}
}
