# The web ends: management dashboard and provider workbench.
web-brand = Jiayi · Community Health Service Centre
web-nav-dashboard = Dashboard
web-nav-workbench = My workbench
web-logout = Log out
web-footer = Questions? Call the centre on { $phone }. In an emergency call 120.

web-login-title = Please log in
web-login-how = There is no password here. Open a one-time login link:
web-login-step-bot = send /web to the Jiayi bot (for the centre's staff and linked providers);
web-login-step-cli = or ask an administrator to run jiayi web link --staff (or --provider CODE).
web-login-once = A link works for 10 minutes, once.
web-login-confirm-title = Log in to Jiayi
web-login-confirm-text = You will log in as { $role }.
web-login-button = Log in
web-role-staff = centre staff
web-role-provider = a provider

web-refused-title = Cannot open this
web-back-home = Back to the start
web-refused-form = This form has expired. Go back to the page and try again.
web-refused-staff-only = This page is for the centre's staff only.
web-refused-provider-only = This page is for providers only.
web-refused-not-found = Not found.
web-refused-not-yours = This is not your booking or resident: you cannot see or change it.
web-login-unknown = This login link is not valid. Send /web to the bot for a new one.
web-login-used = This login link was used already. Send /web to the bot for a new one.
web-login-expired = This login link has expired (it works for 10 minutes). Send /web to the bot for a new one.
web-login-revoked = This account is deactivated and cannot log in.

web-status-open = open
web-status-closed = done
web-status-confirmed = waiting for you
web-status-accepted = accepted
web-status-done = done
web-status-no-show = no-show
web-status-declined = declined
web-status-cancelled = cancelled

web-dashboard-title = Service quality
web-filter-period = Period
web-period-days = Last { $days } days
web-filter-service = Service
web-filter-provider = Provider
web-filter-team = Team
web-filter-all = All
web-filter-apply = Show
web-export-csv = Export CSV

web-targets-title = Targets
web-ind-identification = Needs identified
web-ind-matching = Requests matched
web-ind-response = Mean response time
web-ind-satisfaction = Satisfaction
web-ind-identification-how = Typed and spoken requests whose service was understood from the words
web-ind-matching-how = Requests offered at least one fitting time
web-ind-response-how = From booking to the provider accepting, proposing another time or declining
web-ind-satisfaction-how = Ratings of 4 or 5 stars
web-target = target { $target }
web-no-data = no data yet
web-no-basis = not by provider
web-met = met
web-missed = missed

web-count-requests = Requests
web-count-bookings = Bookings
web-count-done = Done
web-count-no-shows = No-shows
web-count-ratings = Ratings
web-count-mean-rating = Mean rating
web-count-low-ratings = Low ratings (1-2 stars)
web-count-unanswered = Unanswered after 24 h
web-count-emergencies = Emergencies
web-count-open-follow-ups = Open follow-ups
web-count-open-callbacks = Open call-backs

web-trends-title = Trends
web-per-day = per day
web-per-week = per week
web-chart-rates = Identification, matching and satisfaction (%)
web-chart-volume = Bookings, no-shows and low ratings
web-chart-response = Mean response time (hours)
web-chart-by-provider = Satisfaction by provider (number of ratings)
web-chart-target = { $name } target { $value }
web-hours = hours

web-by-provider = By provider
web-by-service = By service
web-nothing = None

web-follow-ups-title = Low-rating follow-ups
web-col-state = State
web-col-score = Rating
web-col-visit = Visit
web-col-comment = Resident's comment
web-col-since = When
web-col-resident = Resident
web-col-reason = Reason
web-col-routed = Passed to
web-col-provider = Provider
web-follow-up-close = Followed up
web-callbacks-title = Call-back requests
web-routed-doctor = family doctor
web-routed-team = doctor's team
web-routed-duty = duty phone
web-routed-nobody = nobody yet

web-workbench-title = Workbench
web-age = { $age } years
web-address = Address: { $address }
web-phone = Phone: { $phone }
web-groups = Priority groups
web-pending-title = Waiting for your answer ({ $count })
web-pending-none = No booking is waiting for your answer.
web-urgent = urgent
web-their-words = In their words: { $words }
web-accept = Accept
web-propose = Another time
web-decline = Cannot take it
web-today-title = Today, { $date }
web-day-empty = No bookings today.
web-done = Done
web-noshow = No-show
web-week-title = The week ahead
web-week-empty = No bookings in the week ahead.
web-callbacks-open-title = Call-backs to make ({ $count })
web-callback-done = Called back
web-my-follow-ups = Low ratings of my visits

web-booking-title = Booking #{ $id }
web-confirm-title = Please confirm
web-confirm-decline = Are you sure you cannot take booking #{ $id }? { $when }, { $service }, { $name }. The resident will be told and can book again.
web-confirm-done = Mark booking #{ $id } as done? { $when }, { $service }, { $name }. The resident will be asked for a rating.
web-confirm-noshow = Mark booking #{ $id } as a no-show? { $when }, { $service }, { $name }.
web-decline-reason = Reason
web-confirm-button-decline = Yes, I cannot take it
web-confirm-button-done = Yes, it is done
web-confirm-button-noshow = Yes, a no-show
web-back = Back

web-propose-title = Another time
web-propose-for = Booking #{ $id }: { $when }, { $service }, { $name }. Choose a new time to send to the resident:
web-propose-none = No fitting free time soon.
web-propose-how = The booking moves only once the resident agrees.

web-history-title = Bookings

web-notice-accepted = Accepted. The resident will be told.
web-notice-declined = Declined. The resident will be told.
web-notice-done = Marked as done.
web-notice-noshow = Marked as a no-show.
web-notice-proposed = The new time was sent to the resident, waiting for their answer.
web-notice-closed = This booking was cancelled or answered already.
web-notice-not-started = Done or no-show can be marked once the visit has started.
web-notice-callback-done = Marked as called back.
web-notice-already-done = That was done already.
web-notice-follow-up-closed = Follow-up recorded.

# /web in the bot
web-link-staff = Your dashboard login link (works for 10 minutes, once):
    { $url }
web-link-provider = Your workbench login link (works for 10 minutes, once):
    { $url }
web-link-not-allowed = The web pages are for the centre's staff and providers.
web-link-off = The web pages are not switched on.

# /stats in the bot
stats-title = 📊 Service quality (last { $days } days)
stats-indicator = { $icon } { $name }: { $value } (target { $target })
stats-counts = requests { $requests } · bookings { $bookings } · done { $done } · no-shows { $noshows }
stats-ratings = ratings { $ratings } · mean { $mean } · low { $low }
stats-open = open follow-ups { $followups } · open call-backs { $callbacks } · unanswered after 24 h { $unanswered }
stats-provider-line = · { $name }: bookings { $bookings }, ratings { $ratings }, mean { $mean }
stats-by-provider = By provider:
