import pytest

from bot.languages import choose_language
from bot.rasa_ext.language_detection import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(("text", "code"), [
    ("Hallo", "de"),  # lingua alone says English for this one
    ("Guten Tag, ich brauche Hilfe mit meinem Visum", "de"),
    ("hi", "en"),
    ("How can I register my address in the city?", "en"),
    ("مرحبا", "ar"),
    ("أريد التحدث مع موظف من فضلك", "ar"),
    ("Merhaba", "tr"),
    ("Oturma iznimi nasıl uzatabilirim?", "tr"),
    ("Привіт", "uk"),
    ("Як продовжити дозвіл на проживання?", "uk"),
    ("Привет", "ru"),
    ("Как продлить вид на жительство?", "ru"),
    ("سلام", "fa"),
    ("چطور می‌توانم اجازه اقامتم را تمدید کنم؟", "fa"),
    ("Bonjour", "fr"),
    ("Comment prolonger mon titre de séjour ?", "fr"),
])
def test_detects_each_supported_language(detector: LanguageDetector, text: str, code: str) -> None:
    detection = detector.detect(text)
    assert detection.code == code
    assert detection.reliable


def test_no_letters_means_no_language(detector: LanguageDetector) -> None:
    detection = detector.detect("12345 ?!")
    assert detection.code is None and not detection.reliable and detection.method == "none"


def test_a_single_ambiguous_word_is_not_reliable(detector: LanguageDetector) -> None:
    assert not detector.detect("ok").reliable


def test_unknown_language_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        LanguageDetector(("de", "xx"))


def d(code: str | None, reliable: bool = True, words: int = 5, confidence: float = 0.95) -> dict:
    return {"code": code, "reliable": reliable, "words": words, "confidence": confidence}


def test_new_conversation_takes_a_reliable_detection() -> None:
    assert choose_language(None, d("ar")) == "ar"


def test_new_conversation_falls_back_to_german_when_unsure() -> None:
    assert choose_language(None, d("tr", reliable=False)) == "de"
    assert choose_language(None, None) == "de"


def test_a_picked_language_always_wins() -> None:
    assert choose_language("de", d("de"), picked="fa") == "fa"


def test_short_words_in_the_same_script_do_not_switch() -> None:
    assert choose_language("de", d("en", words=1)) == "de"


def test_a_clear_sentence_switches() -> None:
    assert choose_language("de", d("en", words=7, confidence=0.97)) == "en"


def test_a_real_french_sentence_after_german_switches(detector: LanguageDetector) -> None:
    detection = detector.detect("Je cherche un appartement à Musterstadt, comment faire ?").as_dict()
    assert choose_language("de", detection) == "fr"


def test_three_words_do_not_switch() -> None:
    assert choose_language("de", d("en", words=3, confidence=0.99)) == "de"


def test_a_different_script_switches_even_for_one_word() -> None:
    assert choose_language("de", d("uk", words=1)) == "uk"


@pytest.mark.parametrize(("text", "code"), [
    ("Olá, como posso registar a minha morada na cidade?", "pt"),
    ("Hoe kan ik mijn verblijfsvergunning verlengen?", "nl"),
    ("Zdravo, kako mogu produžiti boravišnu dozvolu?", "hr"),
    ("Γεια σας, πώς μπορώ να ανανεώσω την άδεια διαμονής μου;", "el"),
    ("Sidee baan u heli karaa ogolaansho deganaansho?", "so"),
    ("Xin chào, làm sao để gia hạn giấy phép cư trú?", "vi"),
    ("Silav, ez dixwazim destûra rûniştinê dirêj bikim", "ku"),  # Kurmanji: lingua would say French
    ("زه غواړم د اوسېدو اجازه وغځوم", "ps"),  # Pashto letters, not Persian
    ("ሰላም፡ ናይ መንበሪ ፍቓድ ከመይ ይናውሕ", "ti"),
])
def test_an_unsupported_language_is_named_not_read_as_a_supported_one(detector: LanguageDetector, text: str,
                                                                       code: str) -> None:
    detection = detector.detect(text)
    assert detection.unsupported == code and detection.unsupported_name
    assert detection.code is None and not detection.reliable


def test_a_new_conversation_in_an_unsupported_language_is_answered_in_english(detector: LanguageDetector) -> None:
    detection = detector.detect("Olá, como posso registar a minha morada na cidade?").as_dict()
    assert choose_language(None, detection) == "en"
    assert choose_language("fr", detection) == "fr"  # a language the person has read so far stays


@pytest.mark.parametrize(("text", "code"), [
    ("Je suis kiné et on me propose soit un Anpassungslehrgang soit une Kenntnisprüfung, que choisir ?", "fr"),
    ("What do I need for permanent residence (Niederlassungserlaubnis)? I've been here 4 years", "en"),
    ("Ce e Fiktionsbescheinigung și cât timp e valabilă?", "ro"),
    ("Sono svizzero e voglio vivere a Musterstadt. Basta l'Anmeldung o devo andare all'Ausländerbehörde?", "it"),
    ("¿Es obligatorio tener un seguro de responsabilidad civil (Haftpflichtversicherung)?", "es"),
])
def test_german_terms_in_another_language_do_not_make_it_german(detector: LanguageDetector, text: str,
                                                               code: str) -> None:
    detection = detector.detect(text)
    assert (detection.code, detection.reliable) == (code, True)


def test_german_terms_alone_are_still_german(detector: LanguageDetector) -> None:
    assert detector.detect("Anmeldung Termin").code == "de"
    assert detector.detect("Wo ist die Ausländerbehörde in Musterstadt?").code == "de"


@pytest.mark.parametrize(("text", "code"), [
    ("Gdje mogu prijaviti svoju adresu nakon selidbe u grad?", "hr"),
    ("Как мога да си намеря квартира в града?", "bg"),  # Bulgarian, not Russian
])
def test_related_languages_we_do_not_support_are_named(detector: LanguageDetector, text: str, code: str) -> None:
    assert detector.detect(text).unsupported == code


def test_polish_is_not_mistaken_for_a_neighbour(detector: LanguageDetector) -> None:
    detection = detector.detect("Ile wynosi podatek od psa w Musterstadt?")
    assert detection.unsupported is None


@pytest.mark.parametrize(("text", "code"), [
    ("Hello, I am a nurse from India.", "en"),  # 0.46 English, 0.14 Spanish, 0.14 Italian among 12
    ("How do I register my flat?", "en"),
])
def test_a_clear_lead_among_twelve_languages_is_reliable(detector: LanguageDetector, text: str, code: str) -> None:
    detection = detector.detect(text)
    assert (detection.code, detection.reliable) == (code, True)


def test_two_close_languages_are_not_reliable(detector: LanguageDetector) -> None:
    assert not detector.detect("La patente italiana vale in Germania o devo convertirla?").reliable
