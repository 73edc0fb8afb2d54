"""FAQ entries in the records (SQLite and PostgreSQL): editing, machine drafts, the answer the bot
gives, and the NLU data a Publish writes."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import Engine

from puente import settings
from records import faq, seed
from records.db import unit_of_work


def test_the_shipped_faq_training_files_are_what_the_seed_exports(engine: Engine) -> None:
    """nlu/<lang>/faq.yml and domain/faq.yml are written by Publish: the ones in the repository
    must be exactly what the seeded entries produce, or a fresh install would train other data."""
    with unit_of_work(engine) as session:
        files = faq.export(session)
    assert set(files) == {"nlu/es/faq.yml", "nlu/ht/faq.yml", "nlu/ar/faq.yml", "domain/faq.yml"}
    for path, text in files.items():
        assert (settings.ROOT / path).read_text(encoding="utf-8") == text, f"{path} differs from the seed's export"


def test_an_edited_answer_is_what_the_bot_reads_at_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        entry = faq.by_key(session, "free_of_charge")
        assert entry is not None
        faq.save_text(session, entry, "ht", ["eske se gratis", "konbyen sa koute"], "Wi, li gratis nèt.", reviewed=True)
    with unit_of_work(engine) as session:
        found = faq.answer(session, "free_of_charge", "ht")
    assert found is not None and (found.text, found.language, found.machine) == ("Wi, li gratis nèt.", "ht", False)
    assert found.source and not found.verified  # a seeded entry shows its source and waits for review


def test_a_machine_draft_is_flagged_until_a_person_approves_it(engine: Engine) -> None:
    calls: list[tuple[str, str, str]] = []

    def machine(text: str, source: str, target: str) -> str:
        calls.append((text, source, target))
        return f"<{target}> {text}"

    with unit_of_work(engine) as session:
        entry = faq.create(session, "wifi")
        faq.save_text(session, entry, "es", ["hay wifi?", "clave del wifi"], "Sí, la red es gratuita.", reviewed=False)
        faq.draft(session, entry, "ar", machine)
    assert calls[0] == ("Sí, la red es gratuita.", "es", "ar")  # from Spanish
    with unit_of_work(engine) as session:
        assert faq.answer(session, "wifi", "ar") == faq.Answer("<ar> Sí, la red es gratuita.", "ar", machine=True)
        assert faq.answer(session, "wifi", "es") == faq.Answer("Sí, la red es gratuita.", "es", machine=False)
        entry = faq.by_key(session, "wifi")
        assert entry is not None
        draft = faq.text_of(entry, "ar")
        assert draft is not None
        # Saved again without the tick: still a draft; with it: approved.
        faq.save_text(session, entry, "ar", draft.questions, draft.answer, reviewed=False)
        assert faq.answer(session, "wifi", "ar").machine  # type: ignore[union-attr]
        faq.save_text(session, entry, "ar", draft.questions, draft.answer, reviewed=True)
        assert not faq.answer(session, "wifi", "ar").machine  # type: ignore[union-attr]


def test_a_language_without_an_answer_gets_the_spanish_one_and_inactive_entries_none(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        entry = faq.create(session, "parking")
        faq.save_text(session, entry, "es", ["hay estacionamiento", "donde estaciono"], "En la calle.", True)
    with unit_of_work(engine) as session:
        assert faq.answer(session, "parking", "ht") == faq.Answer("En la calle.", "es", machine=False)
        entry = faq.by_key(session, "parking")
        assert entry is not None
        entry.active = False
    with unit_of_work(engine) as session:
        assert faq.answer(session, "parking", "es") is None
        assert faq.answer(session, "no_such_key", "es") is None


def test_a_draft_needs_some_answer_to_translate_and_writes_nothing_when_translation_fails(engine: Engine) -> None:
    def down(text: str, source: str, target: str) -> str:
        raise ConnectionError("translation service down")

    with unit_of_work(engine) as session:
        entry = faq.create(session, "empty_one")
        with pytest.raises(faq.FaqError):
            faq.draft(session, entry, "ht", down)
        faq.save_text(session, entry, "es", ["a", "b"], "Respuesta.", True)
        with pytest.raises(ConnectionError):
            faq.draft(session, entry, "ht", down)
        assert faq.text_of(entry, "ht") is None


def test_export_writes_publishable_entries_as_retrieval_intents_and_leaves_out_the_rest(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        good = faq.create(session, "wifi")
        faq.save_text(session, good, "ht", ["eske gen wifi", "ki modpas [wifi] a {x}"], "Wi.", True)
        faq.save_text(session, good, "es", ["hay wifi", "clave wifi", "hay wifi"], "Sí.", True)
        lonely = faq.create(session, "one_question")
        faq.save_text(session, lonely, "es", ["solo una"], "Respuesta.", True)
        assert faq.problems(lonely) == [f"es: escriba al menos {faq.MIN_QUESTIONS} formas de preguntarlo"]
        files = faq.export(session)
    creole = yaml.safe_load(files["nlu/ht/faq.yml"])["nlu"]
    wifi = next(block for block in creole if block["intent"] == "faq/wifi")
    assert wifi["examples"].splitlines() == ["- eske gen wifi", "- ki modpas wifi a x"]  # no annotation brackets
    spanish = {block["intent"]: block["examples"] for block in yaml.safe_load(files["nlu/es/faq.yml"])["nlu"]}
    assert spanish["faq/wifi"].splitlines() == ["- hay wifi", "- clave wifi"]  # the repeat dropped
    assert "faq/one_question" not in spanish
    domain = yaml.safe_load(files["domain/faq.yml"])
    assert set(domain["responses"]) == {"utter_faq/data_sharing", "utter_faq/free_of_charge", "utter_faq/wifi"}


def test_keys_are_checked_and_made_from_questions(engine: Engine) -> None:
    assert faq.key_from("¿Hay WiFi en la oficina?") == "hay_wifi_en_la_oficina"
    assert faq.key_from("¿?") == ""
    with unit_of_work(engine) as session:
        with pytest.raises(faq.FaqError, match="Ya existe"):
            faq.create(session, "free_of_charge")
        with pytest.raises(faq.FaqError, match="minúsculas"):
            faq.create(session, "Con Espacios")


def test_setup_keeps_what_staff_edited_and_seed_rewrites_it(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        entry = faq.by_key(session, "free_of_charge")
        assert entry is not None
        faq.save_text(session, entry, "es", ["es gratis", "cuanto cuesta"], "Editado por la oficina.", True)
    with unit_of_work(engine) as session:
        seed.load(session, update=False)  # what every start runs
    with unit_of_work(engine) as session:
        assert faq.answer(session, "free_of_charge", "es").text == "Editado por la oficina."  # type: ignore[union-attr]
        seed.load(session)  # `records seed`: the file wins, on purpose
    with unit_of_work(engine) as session:
        assert faq.answer(session, "free_of_charge", "es").text.startswith("Todo lo que ofrece")  # type: ignore[union-attr]
