"""The demo's three quarters: two closed ones and the current one, as Ottervale lived them.

Slugs name objectives within a quarter; parents are objectives of a higher team in the
same quarter. Weeks run 1..13, week 13 being the quarter's last day.
"""

from __future__ import annotations

from api.seed.specs import (
    KR, Adjustment, Amendment, CarryOver, Correction, ObjectiveSpec as O, QuarterSpec, Review,
)

TWO_AGO = QuarterSpec(
    objectives=(
        O("families", "company", "Become the default weeknight dinner for young families",
          "aspirational", (
              KR("households", "Weekly active households", unit="households",
                 baseline=118_000, target=150_000, finish=0.72),
              KR("family-share", "Share of orders from family plans", unit="%",
                 baseline=22, target=30, decimals=1, finish=0.6),
          ), comments=("Our bet for the autumn.", "The board backs it.")),
        O("fresh", "company", "Deliver every box fresh and on time", "committed", (
            KR("on-time", "On-time deliveries", "maintain", unit="%", target=97,
               direction="at_least", decimals=1, typical=97.8, slump=96.2, broken=(6,)),
            KR("spoilage-complaints", "Spoilage complaints per 1,000 boxes", unit="complaints",
               baseline=4.2, target=2.5, decimals=1, finish=0.85),
        )),
        O("first-orders", "product", "Make the first order effortless", "committed", (
            KR("conversion", "Signup-to-first-order conversion", unit="%", baseline=18,
               target=26, decimals=1, finish=0.9, revised=28),
            KR("time-to-checkout", "Median time to first checkout", unit="minutes",
               baseline=11, target=6, decimals=1, finish=1.0),
        ), parent="families", script="changes", comments=(
            "First draft from the product trio.",
            "26 % will not move the families number; the funnel review says 28 % is in reach.",
            "Raised conversion to 28 %, with the guest checkout experiment as the lever.",
            "Agreed.",
        )),
        O("reliable", "engineering", "Make the platform boringly reliable", "committed", (
            KR("availability", "Checkout availability", "maintain", unit="%", target=99.9,
               direction="at_least", decimals=2, typical=99.95, slump=99.7, broken=(9,)),
            KR("latency", "P95 API latency", unit="ms", baseline=480, target=250, finish=0.8),
        ), parent="fresh"),
        O("cold-chain", "operations", "Cut waste in the cold chain", "committed", (
            KR("spoilage", "Spoilage rate", unit="%", baseline=3.1, target=1.8, decimals=2,
               finish=0.7),
            KR("leeds-hub", "Second cold-storage hub live in Leeds", "milestone", done_week=9),
        ), parent="fresh"),
        O("checkout", "mobile", "Ship a checkout people actually finish", "committed", (
            KR("completion", "App checkout completion rate", unit="%", baseline=61, target=75,
               decimals=1, finish=0.95, counter=78),
            KR("crash-free", "Crash-free sessions", "maintain", unit="%", target=99.5,
               direction="at_least", decimals=2, typical=99.72, slump=99.31),
            KR("wallets", "Apple Pay and Google Pay live", "milestone", done_week=7),
        ), parent="first-orders", script="counter_accept", comments=(
            "Wallets should carry most of the lift.",
            "With wallets live by week 7, 78 % is realistic.",
            "Fair: 78 % it is.",
        )),
        O("habits", "growth", "Turn first boxes into habits", "aspirational", (
            KR("retention", "Week-4 retention of new households", unit="%", baseline=34,
               target=45, decimals=1, finish=0.55, counter=48, revised=46),
            KR("referrals", "Share of new households from referrals", unit="%", baseline=8,
               target=15, decimals=1, finish=0.4),
        ), parent="families", script="counter_decline", drafter="amara.diallo", comments=(
            "Stretch goal on retention.",
            "Retention is the lever for the families bet: counter at 48 %.",
            "48 % needs the recipe planner, which is not staffed this quarter.",
            "Meet in the middle: 46 %.",
            "Agreed at 46 %.",
        )),
        O("influencers", "growth", "Launch a creator programme on short-video apps",
          "aspirational", (
              KR("creator-signups", "Signups attributed to creators", unit="signups",
                 baseline=0, target=5000),
          ), parent="families", script="reject", comments=(
              "A cheap way to reach young families.",
              "No attribution yet and real brand risk: not this quarter.",
          )),
        O("order-service", "platform", "Move order writes off the legacy monolith", "committed", (
            KR("writes", "Order writes served by the new order service", unit="%",
               baseline=20, target=100, finish=0.7),
            KR("pages", "Pager alerts per week", unit="alerts", baseline=35, target=12,
               finish=0.9),
        ), parent="reliable", drafter="ravi.patel"),
        O("packing", "fulfilment", "Pack faster without more mistakes", "committed", (
            KR("boxes-per-hour", "Boxes packed per labour hour", unit="boxes", baseline=14,
               target=18, decimals=1, finish=0.8, revised=17),
            KR("pick-errors", "Pick errors per 1,000 boxes", "maintain", unit="errors",
               target=3, direction="at_most", decimals=1, typical=2.4, slump=3.6),
        ), parent="cold-chain", script="changes", comments=(
            "Two new packing lines arrive in week 4.",
            "18 assumes both lines run from day one; they will not. Be realistic.",
            "Lowered to 17 boxes an hour.",
            "Approved.",
        )),
    ),
    amendments=(
        Amendment("order-service", 6, "approved", kr="writes", target=80,
                  reason="The payments cut-over moved to next quarter; 80 % is the honest target.",
                  answer="Agreed, payments goes first next quarter."),
    ),
    corrections=(
        Correction("checkout", "completion", 5, 1.12,
                   "Read the staging dashboard instead of production."),
    ),
    adjustments=(
        Adjustment("habits", 0.6, "The retention cohort matured two weeks after the close "
                                  "and landed at 41 %."),
        Adjustment("cold-chain", 0.5, "Leeds is live but runs at 40 % capacity until January."),
    ),
    reviews=(
        Review("habits", "retention", 35, 0.72, "Metrics review: the cohort kept improving."),
    ),
    carry_overs=(
        CarryOver("habits", "habits", "gifting", "changes", (
            "Carried over: retention and referrals are unfinished.",
            "Align it under gifting: holiday recipients are this quarter's new households.",
            "Aligned under gifting.",
            "Agreed.",
        ), finish=0.7),
    ),
)

ONE_AGO = QuarterSpec(
    objectives=(
        O("holidays", "company", "Win the holiday season", "aspirational", (
            KR("gift-boxes", "Holiday gift boxes sold", unit="boxes", baseline=0,
               target=40_000, finish=0.8),
            KR("households", "Weekly active households", unit="households",
               baseline=131_000, target=165_000, finish=0.6),
        )),
        O("trust", "company", "Earn customers' trust at every doorstep", "committed", (
            KR("nps", "Net Promoter Score", unit="points", baseline=31, target=45, finish=0.7),
            KR("refunds", "Refund rate", "maintain", unit="%", target=2.0, direction="at_most",
               decimals=2, typical=1.6, slump=2.4, broken=(11,)),
        )),
        O("gifting", "product", "Make gifting a one-tap delight", "aspirational", (
            KR("gift-conversion", "Gift checkout conversion", unit="%", baseline=12,
               target=20, decimals=1, finish=0.75, counter=24, revised=22),
            KR("gift-page", "Gift landing page live", "milestone", done_week=3),
        ), parent="holidays", script="counter_decline", comments=(
            "Gifting is our holiday wedge.",
            "Counter at 24 %: the gift page is a one-off chance.",
            "24 % would need a new payment provider; we cannot do that before December.",
            "22 %, with the saved-recipient feature.",
            "22 % it is.",
        )),
        O("peak", "engineering", "Survive peak without a page", "committed", (
            KR("load", "Orders per minute sustained in load tests", unit="orders/min",
               baseline=900, target=2500, finish=0.9),
            KR("sev1", "Sev-1 incidents", "maintain", unit="incidents", target=0,
               direction="at_most", typical=0, slump=1, broken=(12,)),
        ), parent="holidays"),
        O("windows", "operations", "Promise delivery windows we keep", "committed", (
            KR("in-window", "Deliveries inside the promised one-hour window", unit="%",
               baseline=82, target=94, decimals=1, finish=0.75),
            KR("missed", "Missed deliveries per 1,000", unit="deliveries", baseline=6,
               target=3, decimals=1, finish=0.6),
        ), parent="trust"),
        O("self-service", "mobile", "Let customers fix their own orders", "committed", (
            KR("in-app-edits", "Order changes made in the app without support", unit="%",
               baseline=40, target=70, finish=0.7, revised=65),
            KR("contacts", "Support contacts per 1,000 orders", unit="contacts", baseline=55,
               target=35, finish=0.5),
        ), parent="trust", script="changes", drafter="chen.wei", comments=(
            "Self-service is how we earn trust at peak.",
            "70 % without the new order API is not credible. What can we promise?",
            "65 %: the order API lands mid-quarter.",
            "Approved.",
        )),
        O("gift-subscribers", "growth", "Turn gift recipients into subscribers",
          "aspirational", (
              KR("recipient-subs", "Gift recipients who subscribe within 30 days", unit="%",
                 baseline=2, target=8, decimals=1, finish=0.65),
          ), parent="gifting"),
        O("loyalty", "growth", "Pilot a loyalty points scheme", "aspirational", (
            KR("members", "Households enrolled in the pilot", unit="households", baseline=0,
               target=10_000),
        ), parent="holidays", script="withdraw", comments=(
            "A points pilot for the holidays.",
            "Finance needs the points liability modelled first. Can you scope it down?",
            "Withdrawn: we will come back with finance next year.",
        )),
        O("autoscale", "platform", "Autoscale everything on the checkout path", "committed", (
            KR("services", "Checkout services on autoscaling", unit="services", baseline=3,
               target=12, finish=1.0),
            KR("cost", "Cloud cost per order", unit="EUR", baseline=0.42, target=0.30,
               decimals=3, finish=0.8, counter=0.28),
        ), parent="peak", script="counter_accept", comments=(
            "Autoscaling should also bring the bill down.",
            "If autoscaling works, 0.28 EUR follows.",
            "Accepted.",
        )),
        O("routes", "fulfilment", "Route smarter in the last mile", "committed", (
            KR("stops", "Stops per route hour", unit="stops", baseline=9, target=12,
               decimals=1, finish=0.85),
            KR("co2", "Van CO2 per box delivered", unit="g", baseline=410, target=340,
               finish=0.7),
        ), parent="windows"),
    ),
    amendments=(
        Amendment("self-service", 6, "rejected",
                  added=KR("tracking-widget", "Delivery-tracking home-screen widget",
                           "milestone"),
                  reason="Add the tracking widget: customers keep asking for it.",
                  answer="Not this quarter: peak freeze starts in week 9."),
    ),
    corrections=(
        Correction("routes", "stops", 8, 1.3,
                   "Entered the depot's total for the day instead of the per-hour figure."),
    ),
    adjustments=(
        Adjustment("peak", 0.9, "One Sev-1 on Black Friday, resolved in 14 minutes; "
                                "load capacity met the goal."),
        Adjustment("holidays", 0.8, "Gift boxes sold out a week early: supply, not demand, "
                                    "capped the result."),
    ),
    reviews=(
        Review("windows", "in-window", 20, 0.9,
               "Metrics review: the new slotting kept paying off."),
    ),
    carry_overs=(
        CarryOver("windows", "windows", "trust", "realign", (
            "Carried over with the new baselines.", "Approved: keep going.",
        ), finish=0.7),
        CarryOver("self-service", "self-service", "personal", "changes", (
            "Carried over from last quarter.",
            "Align it under personal menus: order edits feed the menu planner.",
            "Aligned under personal menus.",
            "Agreed.",
        ), finish=0.5),
    ),
)

CURRENT = QuarterSpec(
    objectives=(
        O("healthy", "company", "Make Ottervale the healthiest choice on the table",
          "aspirational", (
              KR("balanced", "Households ordering a balanced-plate box weekly", unit="%",
                 baseline=24, target=40, finish=0.7),
              KR("nutri-score", "Recipes with a nutrition score of A or B", unit="%",
                 baseline=55, target=80, finish=0.8),
          )),
        O("profit", "company", "Grow profitably", "committed", (
            KR("margin", "Contribution margin per box", unit="EUR", baseline=3.1, target=4.0,
               decimals=2, finish=0.85),
            KR("churn", "Monthly churn", "maintain", unit="%", target=6.5, direction="at_most",
               decimals=1, typical=5.9, slump=6.8, broken=(5,)),
        )),
        O("trust", "company", "Keep every promise at the door", "committed", (
            KR("nps", "Net Promoter Score", unit="points", baseline=38, target=45, finish=0.8),
        )),
        O("personal", "product", "Personalise every menu", "aspirational", (
            KR("personalised", "Menus personalised for the household", unit="%", baseline=10,
               target=60, finish=0.7),
            KR("rating", "Average recipe rating", "maintain", unit="stars", target=4.3,
               direction="at_least", decimals=2, typical=4.42, slump=4.21, broken=(3,)),
        ), parent="healthy"),
        O("unit-cost", "engineering", "Pay less for every order we serve", "committed", (
            KR("infra-cost", "Infrastructure cost per order", unit="EUR", baseline=0.31,
               target=0.24, decimals=3, finish=0.8, counter=0.22, revised=0.23),
            KR("reco-pipeline", "Recommendation pipeline in production", "milestone",
               done_week=8),
        ), parent="profit", script="counter_decline", comments=(
            "Cost per order, with the recommendation pipeline on the same budget.",
            "0.22 EUR: the reserved instances alone get us there.",
            "Reserved instances are already in the baseline.",
            "0.23 EUR with the storage clean-up.",
            "Agreed.",
        )),
        O("zero-waste", "operations", "Run a zero-waste kitchen", "committed", (
            KR("waste", "Food waste per box", unit="g", baseline=38, target=25, finish=0.75,
               revised=28),
        ), parent="profit", script="changes", comments=(
            "Zero waste by the end of the year.",
            "25 g needs the new forecasting model, which is not ready. What is realistic?",
            "28 g with today's forecasting.",
            "Approved.",
        )),
        O("home-screen", "mobile", "A home screen that knows your week", "committed", (
            KR("sessions", "App sessions per household per week", unit="sessions",
               baseline=2.1, target=3.0, decimals=2, finish=0.8, counter=3.2),
        ), parent="personal", script="counter_accept", drafter="priya.raman", comments=(
            "Drafted with Product: the home screen is where personal menus show.",
            "3.2 sessions: the weekly planner makes it a habit.",
            "Accepted.",
        )),
        O("win-back", "growth", "Bring back lapsed households", "aspirational", (
            KR("reactivated", "Lapsed households reactivated", unit="households",
               baseline=0, target=9000, finish=0.6),
            KR("win-back-margin", "Margin on win-back boxes", "maintain", unit="EUR",
               target=2.5, direction="at_least", decimals=2, typical=2.8, slump=2.3),
        ), parent="personal", drafter="noah.fischer"),
        O("deploys", "platform", "Make deploys boring", "committed", (
            KR("per-day", "Production deploys per day", unit="deploys", baseline=6,
               target=15, finish=0.7),
            KR("change-failure", "Change failure rate", "maintain", unit="%", target=5,
               direction="at_most", decimals=1, typical=3.8, slump=6.1),
        ), parent="unit-cost"),
        O("less-plastic", "fulfilment", "Pack with less plastic", "committed", (
            KR("plastic", "Plastic per box", unit="g", baseline=62, target=40),
        ), parent="zero-waste", script="pending", comments=(
            "Compostable liners from the new supplier.",
        )),
    ),
    amendments=(
        Amendment("deploys", 5, "approved", added=KR(
            "rollback-time", "Median rollback time", unit="minutes", baseline=25, target=5,
            finish=0.8),
                  reason="Deploy frequency means little without fast rollbacks.",
                  answer="Good addition."),
    ),
    corrections=(
        Correction("win-back", "reactivated", 3, 1.25,
                   "Counted households that only opened the win-back email."),
    ),
)

QUARTERS = (("q-2", TWO_AGO), ("q-1", ONE_AGO), ("q0", CURRENT))

# The demo's last step: the latest reading of the current quarter, just before the seed ran.
FINAL_READING = ("profit", "margin")
