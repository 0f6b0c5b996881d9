package contacts_test

import (
	"testing"

	"charla/internal/contacts"
)

func TestIsStopKeyword(t *testing.T) {
	for _, text := range []string{
		"STOP", "stop", " Stop ", "Stop.", "STOP!!", "¡Stop!", "stop all", "STOP  ALL", "Stop\tall", "stopall",
		"unsubscribe", "Unsubscribe.", "parar", "PARAR", "cancelar", "Cancelar!", "baja", "BAJA", "sair", "Sair",
		"arret", "ARRÊT", "arrêt", "Arrêt !", "arre\u0302t", "alto", "ALTO.", "\"stop\"", "stop 🛑",
	} {
		if !contacts.IsStopKeyword(text) {
			t.Errorf("%q should unsubscribe", text)
		}
	}
	for _, text := range []string{
		"", " ", "!", "don't stop", "stop it", "please stop", "stop sending me this", "STOPP", "st op",
		"bus stop", "stop all of it", "parar de", "dar de baja", "sair daqui", "altos", "alto volume",
		"cancelar pedido", "unsubscribed", "start", "hello", "stop all all", "s.t.o.p",
	} {
		if contacts.IsStopKeyword(text) {
			t.Errorf("%q should not unsubscribe", text)
		}
	}
}
