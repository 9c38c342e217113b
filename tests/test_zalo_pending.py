"""Several notices awaiting a Zalo resident's answer: a newer notice's numbers answer first, the older ones are
offered again in turn, none is lost, none that no longer needs an answer comes back."""

from __future__ import annotations

from storage import outbox
from tests.test_zalo import LAN, _invited

NOT_ANSWERED = "Ông/bà chưa trả lời tin nhắn này:\n"


async def _sent_concern(zalo) -> str:
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    return (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]


async def _result_notice(zalo, bot, code: str) -> None:
    """The office resolved the concern: its notice asks 1. 👍 2. 👎."""
    lan = (await bot.rows("SELECT id FROM people WHERE channel = 'zalo' AND external_id = ?", LAN))[0][0]
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'resolved' WHERE code = ?", (code,))
        await outbox.enqueue(db, lan, "concern_update", action="resolve", status="resolved", code=code)
    await zalo.deliver()
    assert "2. 👎" in zalo.fake.texts_to(LAN)[-1]


async def test_an_invitation_then_a_result_both_answered_in_turn_across_a_restart(zalo, bot):
    code = await _sent_concern(zalo)
    invitation = await _invited(zalo, bot)
    await _result_notice(zalo, bot, code)  # newer: "1" answers the result, the invitation waits
    await zalo.restart()  # what waits is kept in the database
    closed, rating = await zalo.say(LAN, "1")
    assert closed.startswith("Cảm ơn ông/bà. Ông/bà đã đồng ý với kết quả trả lời")
    assert "5. " in rating
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [(None,)]
    rated, offered = await zalo.say(LAN, "4")
    assert rated == f"Cảm ơn ông/bà: đã ghi nhận 4 ⭐ cho kiến nghị {code}."
    assert offered.startswith(NOT_ANSWERED + "✉️ GIẤY MỜI") and offered.endswith("Trả lời 1, 2 hoặc 3.")
    assert await zalo.say(LAN, "2") == ["Cảm ơn ông/bà: đã ghi nhận ông/bà không đến được."]
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("no",)]
    assert await bot.rows("SELECT status, satisfaction FROM concerns WHERE code = ?", code) == [("closed", 4)]
    # Nothing waits any more: a number is no answer to anything now.
    assert (await zalo.say(LAN, "1"))[0].endswith("chưa hiểu ý ông/bà. Ông/bà có thể:")


async def test_a_result_then_an_invitation_the_result_offered_again_after_the_invitation(zalo, bot):
    code = await _sent_concern(zalo)
    await _result_notice(zalo, bot, code)
    invitation = await _invited(zalo, bot)
    answered, offered = await zalo.say(LAN, "1")
    assert answered == "Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."
    assert offered.startswith(NOT_ANSWERED + f"Kiến nghị {code}") and offered.endswith("Trả lời 1 hoặc 2.")
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("yes",)]
    assert (await zalo.say(LAN, "2"))[0].startswith("Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý")
    await zalo.say(LAN, "Đèn vẫn chưa sáng.")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", code) == [("disputed",)]


async def test_a_cancelled_invitation_is_not_offered_again(zalo, bot):
    code = await _sent_concern(zalo)
    invitation = await _invited(zalo, bot)
    await _result_notice(zalo, bot, code)
    office = await bot.services.staff.actor("telegram", "1202")
    dialogue = (await bot.rows("SELECT dialogue_id FROM invitations WHERE id = ?", invitation))[0][0]
    await bot.services.dialogues.cancel(office, dialogue)
    await zalo.deliver()
    assert zalo.fake.texts_to(LAN)[-1].endswith("mà ông/bà được mời đã hủy.")  # no list: the result's stays newest
    closed, rating = await zalo.say(LAN, "1")  # 👍, then the rating
    assert code in closed and "5. " in rating
    assert await zalo.say(LAN, "5") == [f"Cảm ơn ông/bà: đã ghi nhận 5 ⭐ cho kiến nghị {code}."]


async def test_a_result_whose_verdict_was_given_from_mine_is_not_offered_again(zalo, bot):
    first = await _sent_concern(zalo)
    second = await _sent_concern_again(zalo)
    await _result_notice(zalo, bot, first)
    await _result_notice(zalo, bot, second)  # newer: the first one's waits
    await zalo.say(LAN, "/mine")
    await zalo.choose(LAN, first)
    closed, rating = await zalo.choose(LAN, "Đồng ý")  # the first one's verdict, given from /mine
    assert closed.startswith("Cảm ơn ông/bà. Ông/bà đã đồng ý") and first in closed and "5. " in rating
    rated, offered = await zalo.say(LAN, "3")
    assert rated == f"Cảm ơn ông/bà: đã ghi nhận 3 ⭐ cho kiến nghị {first}."
    assert offered.startswith(NOT_ANSWERED + f"Kiến nghị {second}")
    closed, rating = await zalo.say(LAN, "1")
    assert second in closed
    # The first result's notice still waited, but its verdict is given: only the thanks.
    assert await zalo.say(LAN, "4") == [f"Cảm ơn ông/bà: đã ghi nhận 4 ⭐ cho kiến nghị {second}."]


async def _sent_concern_again(zalo) -> str:
    await zalo.say(LAN, "/new")
    await zalo.choose(LAN, "Môi trường")
    await zalo.say(LAN, "Bãi rác tự phát cạnh trường học.")
    return (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]


async def test_the_menu_says_how_many_messages_await_an_answer_and_offers_them(zalo, bot):
    code = await _sent_concern(zalo)
    invitation = await _invited(zalo, bot)
    await _result_notice(zalo, bot, code)
    menu = (await zalo.say(LAN, "menu"))[-1]
    assert "6. 📬 Tin nhắn chờ ông/bà trả lời: 2" in menu
    offered = await zalo.say(LAN, "6")  # the newest first: the result
    assert len(offered) == 1 and offered[0].startswith(NOT_ANSWERED + f"Kiến nghị {code}")
    assert (await zalo.say(LAN, "2"))[0].startswith("Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý")
    thanked, invited = await zalo.say(LAN, "Đèn vẫn chưa sáng.")
    assert invited.startswith(NOT_ANSWERED + "✉️ GIẤY MỜI")
    # Left unanswered, it is still counted; once answered, the menu no longer offers anything awaiting.
    assert "6. 📬 Tin nhắn chờ ông/bà trả lời: 1" in (await zalo.say(LAN, "menu"))[-1]
    assert (await zalo.say(LAN, "6"))[0].startswith(NOT_ANSWERED + "✉️ GIẤY MỜI")
    assert await zalo.say(LAN, "1") == ["Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."]
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("yes",)]
    assert "📬" not in (await zalo.say(LAN, "menu"))[-1]


async def test_two_notices_while_a_concern_is_written_all_answered_and_the_concern_sent(zalo, bot):
    """Writing a second concern when an invitation and the first one's result arrive: the result first, the
    concern taken up again, then once it is sent, the invitation."""
    code = await _sent_concern(zalo)
    await zalo.say(LAN, "/new")
    await zalo.choose(LAN, "Môi trường")
    invitation = await _invited(zalo, bot)
    await _result_notice(zalo, bot, code)
    closed, rating, taken_up = await zalo.say(LAN, "1")  # 👍 on the result: the rating, then the concern again
    assert code in closed and "5. " in rating and taken_up.startswith("Tiếp tục việc ông/bà đang làm dở:")
    summary = (await zalo.say(LAN, "Bãi rác tự phát cạnh trường học."))[-1]
    assert "1. ✅ Gửi đến xã" in summary
    sent, rating_again = await zalo.say(LAN, "1")
    assert "Mã theo dõi: " in sent and rating_again.startswith(NOT_ANSWERED) and "5. " in rating_again
    rated, invited = await zalo.say(LAN, "5")
    assert rated == f"Cảm ơn ông/bà: đã ghi nhận 5 ⭐ cho kiến nghị {code}."
    assert invited.startswith(NOT_ANSWERED + "✉️ GIẤY MỜI")
    assert (await zalo.say(LAN, "3"))[0].startswith("Xin ông/bà nhập họ và tên người đi thay")
    assert await zalo.say(LAN, "Nguyễn Văn Hùng") == ["Cảm ơn ông/bà: đã ghi nhận Nguyễn Văn Hùng đi thay."]
    assert await bot.rows("SELECT answer, delegate_name FROM invitations WHERE id = ?", invitation) == [
        ("delegate", "Nguyễn Văn Hùng")]
    assert await bot.rows("SELECT count(*) FROM concerns WHERE status = 'submitted'") == [(1,)]
