"""Every conversation state, named for what the person is doing.

Flows (see README, "Conversation flows"):
  Onboarding: choosing_language -> reading_privacy -> giving_name -> sharing_phone
              -> giving_birth_year -> giving_address -> choosing_groups
              -> giving_emergency_contact -> (Contract)
  Contract:   choosing_doctor -> confirming
  Booking:    choosing_service -> choosing_day [-> picking_date] -> choosing_part_of_day
              -> choosing_modality [-> giving_address] -> choosing_slot -> confirming
  Rescheduling reuses Booking.choosing_slot / confirming with the booking to move in data
  (and `for_id` when a family member moves a linked resident's booking).
  ManagingBookings: confirming_cancel
  Privacy: confirming_delete
  Voice: confirming_transcript
  Guidance: writing (a provider's advice on a reading)
  Family: entering_code -> confirming_link (the elderly resident consents)
  Classes: confirming_signup
  Booking for a linked family member reuses Booking with `for_id` in data.
"""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    choosing_language = State()
    reading_privacy = State()
    giving_name = State()
    sharing_phone = State()
    giving_birth_year = State()
    giving_address = State()
    choosing_groups = State()
    giving_emergency_contact = State()


class Contract(StatesGroup):
    choosing_doctor = State()
    confirming = State()


class Booking(StatesGroup):
    choosing_service = State()
    choosing_day = State()
    picking_date = State()
    choosing_part_of_day = State()
    choosing_modality = State()
    giving_address = State()
    choosing_slot = State()
    # The same service is already booked that day or week: book another anyway?
    confirming_duplicate = State()
    confirming = State()


class ManagingBookings(StatesGroup):
    confirming_cancel = State()


class Privacy(StatesGroup):
    confirming_delete = State()


class Voice(StatesGroup):
    confirming_transcript = State()


class Rating(StatesGroup):
    giving_comment = State()


class Guidance(StatesGroup):
    """A provider writing advice on a reading review."""

    writing = State()


class Family(StatesGroup):
    entering_code = State()
    confirming_link = State()


class Classes(StatesGroup):
    confirming_signup = State()
