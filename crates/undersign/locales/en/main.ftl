site-name = undersign
skip-to-content = Skip to content
language-switch = Language
footer-privacy = Your e-mail address is stored encrypted, used only to confirm your signature, and never shown. No IP addresses are stored. This site loads nothing from other sites.
back-home = Back to the home page
back-to-letter = Back to the letter

## Counts
signature-count = { $count ->
    [one] { $formatted } signature
   *[other] { $formatted } signatures
}
organisation-count = { $count ->
    [one] { $formatted } organisation
   *[other] { $formatted } organisations
}
campaign-total = { $count ->
    [one] { $formatted } signature in all
   *[other] { $formatted } signatures in all
}

## Dates
date-long = { $month } { $day }, { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Home
home-title = Open letters
home-lead = Letters from professional communities, with signatures anyone can count and check.
home-campaigns = Campaigns
home-letters = Letters
home-empty = No letters have been published yet.

## Campaign
campaign-letters = Letters by community
campaign-timeline = Timeline
campaign-source = Source
action-court = Court
action-picket = Picket
action-letter = Letter
action-detention = Detentions
action-closure = Closure
action-press = Press

## Communities
community-scientists = Scientists
community-writers = Writers and journalists
community-journalists = Journalists
community-teachers = Teachers
community-doctors = Doctors
community-psychologists = Psychologists
community-artists = Artists and museum workers
community-bookstores = Bookstores
community-lawyers = Lawyers
community-students = Students

## Letter
letter-published = Published { $date }
letter-closed = This letter is closed and no longer takes signatures.
letter-recent = Recent signatures
letter-no-signatures = No confirmed signatures yet. Be the first.
letter-all-signatures = All signatures
signer-organisation = organisation
signatures-title = Signatures: { $title }
signatures-withheld-note = Signers who asked to be counted without their name are counted but not listed.
signatures-older = Older signatures

## Sign form
form-heading = Sign this letter
form-has-errors = Please correct the following:
form-name = Full name (or the organisation's name)
form-email = E-mail
form-email-hint = Only to confirm your signature. It is stored encrypted and never shown.
form-title = Title or profession
form-affiliation = Affiliation
form-affiliation-hint = Your university, school, hospital, publication or other workplace.
form-city = City
form-country = Country
form-orcid = ORCID iD (optional)
form-orcid-hint = For example 0000-0002-1825-0097.
form-signer-kind = Who signs
form-organisation = I sign on behalf of an organisation
form-pledge = Pledge (organisations only, optional)
form-pledge-hint = For example: "We close on Monday in solidarity."
form-visibility = Your name
form-show-name = Show my name under the letter
form-hide-name = Count me, but do not show my name
form-consent = I have read the letter and sign it. I agree that my signature is stored and, unless I chose otherwise, shown with my name.
form-privacy = After you sign, we send you an e-mail with a link. Your signature counts only once you confirm it.
form-submit = Sign

## Field errors
error-required = Please fill in this field.
error-required-name = Please enter your name.
error-required-email = Please enter your e-mail address; we send the confirmation link there.
error-too-long = Please shorten this to at most { $max } characters.
error-forbidden-characters = This contains invisible or control characters. Please type it again.
error-name-without-letters = A name needs at least one letter.
error-email-invalid = This does not look like an e-mail address. Please check it, e.g. name@example.org.
error-orcid-format = An ORCID iD has 16 digits in four groups, like 0000-0002-1825-0097.
error-orcid-checksum = This ORCID iD's check digit does not match; there may be a typo.
error-consent-required = Please tick this box to sign.
error-pledge-without-organisation = Only organisations can make a pledge. Tick "I sign on behalf of an organisation" or leave the pledge empty.

## Check e-mail
check-email-title = Check your e-mail
check-email-body = We have sent a confirmation link for "{ $title }". Your signature counts once you open the link and press the button.
check-email-validity = The link is valid for 7 days.
check-email-spam = No e-mail after a few minutes? Look in the spam folder, or sign again to get a new link.

## Confirmation
confirm-title = Confirm your signature
confirm-explain = Press the button to confirm that you sign this letter.
confirm-button = Confirm my signature

## Error pages
error-status = Status
error-page-not-found-title = Page not found
error-page-not-found-body = There is nothing at this address. The link may be mistyped, or the letter may have been moved.
error-page-bad-request-title = The request could not be read
error-page-bad-request-body = Your browser sent something we could not understand. Please go back and try again.
error-page-too-large-title = Too much text
error-page-too-large-body = What you sent is larger than we accept. Please shorten it and try again.
error-page-letter-closed-title = This letter is closed
error-page-letter-closed-body = This letter no longer takes signatures.
error-page-internal-title = Something went wrong on our side
error-page-internal-body = Nothing you did caused this, and nothing you entered was lost or shown to anyone. Please try again in a minute.
error-page-link-expired-title = This link has expired
error-page-link-expired-body = Confirmation links are valid for 7 days. Please sign the letter again to receive a new link.
error-page-method-not-allowed-title = Not possible here
error-page-method-not-allowed-body = This address does not accept this kind of request.
error-page-too-many-title = Too many attempts
error-page-too-many-body = { $count ->
    [one] Too many signatures came from your network in a short time. Please try again in a minute.
   *[other] Too many signatures came from your network in a short time. Please try again in { $formatted } minutes.
}

## API errors
api-error-letter_not_found = There is no letter with this slug.
api-error-letter_closed = This letter is closed and no longer takes signatures.
api-error-not_found = There is nothing at this address.
api-error-internal = Something went wrong on our side; nothing was stored. Please try again.
api-error-unsupported_media_type = Send the body as JSON with the header Content-Type: application/json.
api-error-payload_too_large = The request body is larger than 16 KiB.
api-error-invalid_body = The JSON does not match what this endpoint expects
api-error-no_checkpoint = This letter's log has no checkpoint yet; try again in a few seconds.
api-error-malformed_json = The request body is not valid JSON.

## Mail
mail-greeting = Hello,
mail-confirm-subject = Please confirm your signature: { $title }
mail-confirm-intro = Someone, hopefully you, signed the open letter "{ $title }" with this e-mail address.
mail-confirm-action = To confirm your signature, open this link and press the button on the page:
mail-confirm-button = Confirm my signature
mail-confirm-validity = The link is valid for 7 days. After you confirm, the same link is your private receipt and lets you withdraw: keep this e-mail.
mail-confirm-not-you = If this was not you, ignore this e-mail: without confirmation nothing is counted or shown.
mail-letter-link = The letter:
mail-already-signed-subject = You have already signed: { $title }
mail-already-signed-body = Someone, probably you, tried to sign the open letter "{ $title }" again with this e-mail address. You have already signed it and your signature is counted once; nothing has changed.
mail-already-signed-not-you = If this was not you, you need not do anything.

## Letter log, receipt and withdrawal
count-being-added = { $count ->
    [one] +{ $formatted } being added to the log
   *[other] +{ $formatted } being added to the log
}
count-withdrawals-pending = { $count ->
    [one] ({ $formatted } withdrawal pending)
   *[other] ({ $formatted } withdrawals pending)
}
letter-log-link = Every signature is in this letter's public log: check the count yourself.
receipt-heading = Your receipt
receipt-entry = Your signature is entry { $index } in this letter's public log.
receipt-proof-link = The inclusion proof of your entry (JSON, for verification tools)
receipt-being-added = Your signature is being added to the public log; this page updates in a moment.
receipt-reload = Reload
receipt-keep-private = Keep this page's address private: it is your receipt and your way to withdraw.
receipt-withdraw-link = Withdraw my signature
withdraw-title = Withdraw your signature
withdraw-explain = Your signature will no longer be shown or counted on the pages at once. The log records the withdrawal in the next daily batch, together with others and in random order, so it does not show when you withdrew.
withdraw-erase-legend = Your details
withdraw-keep = Withdraw only (the log keeps the record of my signature)
withdraw-erase = Withdraw and erase my details (name, affiliation and e-mail are deleted; the log keeps only an anonymous entry)
withdraw-button = Withdraw my signature
mail-withdraw = Changed your mind later? This link also lets you withdraw your signature:

## Abuse resistance
form-no-javascript = JavaScript is off: you can still sign. After you confirm by e-mail, your signature is counted and listed like any other; because the browser check could not run, it is also marked for the letter's moderators to look at, and fewer signatures a day are accepted this way from one network.
pow-working = Checking that you are not a robot (no data leaves your browser)…
pow-done = Done. Sending…
pow-failed = The automatic check did not work. Please press Sign again.
error-pow-missing = The automatic check against robots is missing. Please send the form again.
error-pow-expired = The automatic check against robots has expired. Please send the form again.
error-pow-replayed = This automatic check was already used. Please send the form again.
error-pow-invalid = The automatic check against robots did not pass. Please send the form again.
receipt-held = Your signature is confirmed. The letter's moderators check it before it is counted and added to the public log.
api-error-unknown_token = The API token is not known to this instance. Send it as "Authorization: Bearer <token>", or send no Authorization header and solve the proof of work.
api-error-method_not_allowed = This address does not answer that HTTP method; see /api/v1/openapi.json.
error-page-busy-title = The server is very busy
error-page-busy-body = Nothing was stored. Please send the form again in a few seconds.
api-error-busy = The server is very busy; nothing was stored. Please try again in a few seconds.
error-page-unavailable-title = We cannot store anything right now
error-page-unavailable-body = The database is not accepting changes at the moment. Nothing you sent was stored, and nothing stored before is lost. Please try again in a minute.
api-error-unavailable = The database is not accepting changes at the moment; nothing was stored and nothing stored before is lost. Please try again in a minute.
badge-signatures = signatures
badge-organisations = organisations
signatures-csv-matches = Download these matches (CSV)
signatures-csv = Download the list (CSV)
letter-badge = Live counter for your site
signatures-search = Search names, affiliations and cities
signatures-search-button = Search
signatures-search-results = { $count ->
    [one] One signature matches “{ $query }”.
   *[other] { $count } signatures match “{ $query }”.
}
api-error-invalid_query = The query parameters could not be read: each may appear once, and numbers are whole numbers that are not negative.

## Organisers: sign-in
sign-in-title = Sign in as an organiser
sign-in-intro = Organisers sign in without a password: enter your e-mail address and we send you a link that works once, for 15 minutes.
sign-in-email = Your e-mail address
sign-in-button = Send me a sign-in link
sign-in-sent = If this address belongs to an organiser, a sign-in link is on its way to it.
sign-in-sent-validity = The link works once and for 15 minutes. Open it in this browser.
sign-in-sent-spam = No e-mail after a few minutes? Look in the spam folder, or ask for a new link.
sign-in-link-title = Sign in
sign-in-link-explain = Press the button to sign in in this browser.
sign-in-link-button = Sign in
second-factor-title = Second step
second-factor-explain = Enter the six-digit code from your authenticator app, or one of your recovery codes.
second-factor-code = Code
second-factor-wrong = This code is not right (or was used already). Please try the current code.
second-factor-button = Continue
sign-out-button = Sign out

## Organisers: overview and second factor
organise-title = Organising
organise-signed-in-as = Signed in as { $email }
organise-add-second-factor = Protect your account with a second factor (an authenticator app).
organise-your-letters = Your letters
organise-no-letters = You have no letters yet. Write a draft, or ask an organiser to invite you.
organise-drafts = Drafts
organise-new-draft = Write a new letter
two-factor-title = Second factor
two-factor-required = Instance admins must set up a second factor before anything else.
two-factor-explain = Add this key to an authenticator app (any app for "TOTP" codes), then enter the code it shows.
two-factor-secret = Key:
two-factor-app-link = Open in an authenticator app on this device
two-factor-button = Turn on the second factor
two-factor-done = The second factor is on. From now on, signing in asks for a code.
two-factor-recovery-explain = Keep these recovery codes somewhere safe, away from your phone. Each one works once, if you lose the app. They are shown only now.
two-factor-continue = Continue

## Organisers: drafts
draft-title = Letter draft
draft-has-errors = Please correct the marked fields.
draft-field-title = Title
draft-field-slug = Address of the letter
draft-field-slug-hint = Becomes /letters/…: 3 to 64 lower-case latin letters, digits and hyphens. It never changes after publication.
draft-field-addressee = Addressee
draft-field-community = Community
draft-field-community-hint = Who signs, e.g. scientists, teachers, doctors (lower-case latin letters and hyphens).
draft-field-language = Language of the text
draft-field-language-hint = A language tag such as en or ru.
draft-field-body = Text
draft-field-body-hint = Markdown: *emphasis*, **bold**, lists, links. HTML is shown as text.
draft-field-organisations = Signed by organisations (bookstores, unions, labs), not by people
draft-field-closes-on = Last day for signatures (optional)
draft-field-target = Signature target (optional)
draft-save = Save the draft
draft-preview = Preview
draft-publish-explain = Once published, the text is frozen and its fingerprint goes into the letter's public log.
draft-publish = Publish the letter
draft-error-slug = Use 3 to 64 lower-case latin letters, digits and single hyphens, e.g. teachers-2026.
draft-error-slug-taken = Another letter or draft already has this address. Please choose another.
draft-error-required = Please fill this in.
draft-error-too-long = This is too long.
draft-error-characters = This contains invisible or control characters. Please retype it.
draft-error-community = Use lower-case latin letters and hyphens, e.g. scientists.
draft-error-language = Use a language tag such as en or ru.
draft-error-closes-on = Enter a date as YYYY-MM-DD, e.g. 2026-12-31.
draft-error-closes-on-past = This day has already passed.
draft-error-target = Enter a whole number from 1 to 100,000,000.

## Organisers: a letter
manage-close-explain = Closing ends signing. The letter, its count and its log stay public.
manage-close = Close the letter
manage-members = Organisers and moderators
manage-invite-email = Invite by e-mail address
manage-invite-role = Role
manage-invite = Invite
manage-moderator-only = As a moderator you review flagged signatures. Organisers manage the letter.
invite-done = Invited. They get an e-mail and sign in with their address.
invite-already = They have this role already.
role-organiser = organiser
role-moderator = moderator
addresses-title = Signers' e-mail addresses
addresses-audited = (each time you open this, it is written to the audit log)
addresses-warning = These addresses are personal data of people who may be at risk. Do not copy them anywhere unsafe.
addresses-name = Name
addresses-email = E-mail
addresses-erased = erased by the signer
addresses-next = Next page
audit-title = Audit log
audit-when = When
audit-who = Who
audit-what = What
audit-detail = Detail
audit-command-line = command line
audit-admin-created = admin made
audit-draft-created = draft created
audit-draft-edited = draft edited
audit-letter-published = letter published
audit-letter-closed = letter closed
audit-role-granted = role given
audit-signer-addresses-read = signers' addresses read
audit-second-factor-enrolled = second factor turned on

## Organisers: mail
mail-sign-in-subject = Your sign-in link
mail-sign-in-intro = Someone, hopefully you, asked to sign in as an organiser with this e-mail address. Open this link and press the button on the page:
mail-sign-in-button = Sign in
mail-sign-in-validity = The link works once and for 15 minutes.
mail-sign-in-not-you = If this was not you, ignore this e-mail: nobody can sign in without the link.
mail-invitation-subject = You were invited to the letter "{ $title }"
mail-invitation-intro = You were made { $role } of the open letter "{ $title }".
mail-invitation-sign-in = Sign in with this e-mail address here:
mail-invitation-not-expected = If you did not expect this, you can ignore it; nothing happens unless you sign in.

## Organisers: errors
error-page-forbidden-title = Not allowed
error-page-forbidden-body = Your account may not do this. Ask one of the letter's organisers if you think it should.
error-page-csrf-title = The form has expired
error-page-csrf-body = Nothing was done. Please go back, reload the page and send the form again.
error-page-sign-in-link-title = This sign-in link does not work
error-page-sign-in-link-body = Sign-in links work once and for 15 minutes. Please ask for a new one on the sign-in page.
letter-target = Target: { $target }
letter-closes-on = Signatures close after { $date }.
mail-welcome-subject = You were invited to publish open letters
mail-welcome-intro = An administrator invited you to write and publish open letters, and to collect their signatures.
organise-invite-organiser = Invite an organiser
organise-invite-organiser-explain = They may write and publish letters of their own.
organise-invite-organiser-done = Invited. They get an e-mail and sign in with their address.
audit-publishing-allowed = invited to publish

## Moderation
moderation-title = Moderation
moderation-explain = Signatures flagged by the rules below wait here. Keep one, or strike it with a public reason: the reason goes into the letter's log and the count drops.
moderation-queue = Waiting for a decision
moderation-empty = Nothing is waiting.
moderation-held = held, not counted
moderation-keep = Keep
moderation-release = Release into the count
moderation-strike = Strike
moderation-reason = Public reason
moderation-reason-hint = Shown in the log for everyone, e.g. "Not signed by the person named (confirmed with them)".
moderation-reason-required = A strike needs a public reason.
moderation-bulk = Strike by rule
moderation-bulk-preview = Would be struck
moderation-bulk-count = { $count ->
    [one] { $formatted } signature
   *[other] { $formatted } signatures
}
moderation-bulk-strike = Strike all of these
moderation-bulk-done = { $count ->
    [one] { $formatted } signature struck.
   *[other] { $formatted } signatures struck.
}
moderation-bulk-outdated = The list changed since you looked at it. Nothing was struck; check the new list below.
flag-duplicate-email = the same mailbox signed before
flag-duplicate-name = the same name signed before
flag-mixed-script = the name mixes alphabets
flag-disposable-domain = a throwaway mail address
flag-no-proof-of-work = signed without the browser check
flag-watch-list = the name is on the watch list
flag-burst = one of many from one network within minutes
flag-domain-burst = one of many from one mail domain within the hour
flag-reported = reported by a reader
manage-moderation = Moderation queue
audit-signature-approved = signature kept
audit-signatures-struck = signatures struck
report-link = report
report-title = Report a signature
report-explain = Is this signature fake, or is it yours and you did not sign? Tell the letter's moderators. They decide; a struck signature is shown in the letter's log with the reason.
report-note = What is wrong (optional)
report-not-me = We send a link to this address to confirm that it is really you asking; the address is deleted once you confirm.
report-button = Send the report
report-done = Thank you. The moderators will look at it.

## Campaign editor
organise-campaigns = Campaigns
campaign-new-title = Start a campaign
campaign-create = Create the campaign
campaign-about = Title and summary
campaign-save = Save
campaign-saved = Saved.
campaign-field-title = Title
campaign-field-slug = Address of the campaign
campaign-field-slug-hint = Becomes /campaigns/…: 3 to 64 lower-case latin letters, digits and hyphens.
campaign-field-summary = Summary
campaign-field-letter = Letter
campaign-field-pull-quote = Pull quote
campaign-field-pull-quote-hint = Words copied from the letter's text, shown with the letter on the campaign page.
campaign-put-letter = Put the letter in the campaign
campaign-field-date = Date
campaign-field-kind = What happened
campaign-field-place = Place
campaign-field-note = Note
campaign-field-source-url = Source (a web address)
campaign-field-related = Earlier campaign
campaign-entry-add = Add to the timeline
campaign-entry-edit = Edit
campaign-entry-hide = Hide
campaign-entry-show = Show again
campaign-entry-hidden = hidden
campaign-related = Related campaigns
campaign-link = Point to it
campaign-error-kind = Choose what happened from the list.
campaign-error-source = Give a web address starting with https:// (or http://).
campaign-error-quote-length = Give a quote of at most 400 characters.
campaign-error-quote-not-in-text = The quote must be words from the letter's text, copied exactly.
campaign-error-letter = Choose one of your letters.
campaign-error-related = Choose another existing campaign.
campaign-error-slug-taken = Another campaign already has this address. Please choose another.
audit-campaign-created = campaign created
audit-campaign-edited = campaign edited

## Versions and translations
letter-texts = This letter in
letter-translation-note = This is a translation. The letter was written in { $language }; every version counts the same signatures.
letter-version = Version { $version }
signer-signed-version = (signed version { $version })
versions-title = Versions of the letter
versions-explain = Once published, a text never changes. A correction is a new version; each is shown here with what changed since the one before. Every signature shows the version it was given on.
reconfirm-title = The letter has a new version
reconfirm-explain = You signed version { $version }. This is what changed since:
reconfirm-button = Confirm my signature on version { $version }
reconfirm-nothing = If you do nothing, your signature stays counted, as a signature of the version you signed.
reconfirm-done = Your signature now stands on version { $version }. Thank you.
manage-texts = Text, versions and translations
manage-correct = Publish a correction (a new version)
manage-correct-explain = The published text stays as it is, with its signatures. The correction becomes the next version, shown with a diff; everyone who signed an earlier version gets an e-mail and may confirm on the new text.
manage-correct-button = Publish the new version
manage-translate = Add a translation
manage-translate-button = Publish the translation
text-error-translation-exists = This version already has a text in that language.
text-error-same-language = A translation must be in another language than the letter.
text-error-unchanged = The correction changes nothing.
audit-version-published = new version published
audit-translation-published = translation published
mail-new-version-subject = The letter you signed has a new version: { $title }
mail-new-version-intro = The organisers of "{ $title }" published a corrected version of the text you signed.
mail-new-version-diff = See what changed:
mail-new-version-action = To confirm your signature on the new text, open this link and press the button:
mail-new-version-button = Confirm on the new version
mail-new-version-nothing = If you do nothing, your signature stays counted as a signature of the version you signed. Nobody's signature moves to a text they did not read.

## Signature form settings, organisations, verified affiliations
count-people = { $count ->
    [one] { $formatted } person
   *[other] { $formatted } people
}
letter-final-checkpoint = Final count: { $count }, in the signed checkpoint of { $size } log entries.
letter-final-checkpoint-link = The final checkpoint
form-title-hint = For an organisation: what kind it is (bookstore, union, lab…).
signer-verified = verified: { $domain }
error-organisations-not-allowed = This letter is signed by people only.
manage-form = Signature form
manage-form-explain = Which fields the form shows, and who may sign. Changes apply to new signatures.
manage-form-hidden = not shown
manage-form-optional = optional
manage-form-required = required
manage-form-organisations = Organisations (bookstores, unions, labs) may sign beside people
manage-form-domains = Verified affiliation domains
manage-form-domains-hint = Institutional e-mail domains, one per line (e.g. msu.ru). A signature confirmed from such an address, or a subdomain of it, is shown as verified for that institution.
manage-form-save = Save the form
manage-form-saved = The form is saved.
manage-form-bad-domain = { $domain } is not a mail domain such as msu.ru.
audit-form-changed = signature form changed

## "That is not me"
report-email = Is this your name, and you did not sign? Your e-mail address (optional)
report-removal-sent = We sent a link to the address you gave. Once you open it and press the button, the moderators see that the person named asks for removal.
removal-title = Remove a signature in my name
removal-explain = You asked to remove the signature "{ $name }", which you say you did not make. Press the button to confirm the request; the letter's moderators then decide, and a struck signature is shown in the letter's log with the reason.
removal-button = Confirm my request
removal-done = Your request is confirmed. The moderators will look at it; your address was not kept.
flag-removal-requested = the person named asks for removal (confirmed by e-mail)
mail-removal-subject = Confirm your request: { $title }
mail-removal-intro = Someone, hopefully you, asked to remove the signature "{ $name }" from the open letter "{ $title }", saying it was not made by the person named.
mail-removal-action = To confirm the request, open this link and press the button:
mail-removal-button = Confirm the request
mail-removal-after = The letter's moderators decide. The link works for two days.
mail-removal-not-you = If this was not you, ignore this e-mail: nothing happens without the button.
campaign-organisers = Organisers of the campaign
mail-campaign-invitation-subject = You were invited to the campaign "{ $title }"
mail-campaign-invitation-intro = You were made an organiser of the campaign "{ $title }": you may edit its page, its letters' quotes and its timeline.
audit-watch-list-changed = watch list changed
footer-organisers = For organisers

## The signer's link: one state per page
receipt-title-confirmed = Your signature is confirmed
receipt-title-withdrawn = Your signature is withdrawn
link-stopped-title = This link no longer confirms a signature
receipt-number = You are signer number { $number } of this letter.
receipt-withdrawal-waiting = It is no longer shown or counted on the letter's pages. The public log records the withdrawal with the next daily batch, by { $date }, together with others and in random order.
receipt-withdrawal-in-log = The withdrawal is entry { $index } in the letter's public log; the count no longer includes your signature.
receipt-withdrawn-uncounted = It had not been added to the public log yet, so there is nothing to record there: it is simply no longer counted.
receipt-erased = Your name and details were erased; the log keeps only an anonymous entry.
receipt-verify-link = How to check the letter's count and your entry yourself
confirm-public-heading = What will be public
confirm-public-intro = Once you confirm, anyone can see under the letter:
confirm-public-hidden = Your name will not be shown: the letter counts your signature without saying who you are. Readers can see only this:
confirm-public-email = Your e-mail address is never shown to anyone.
link-stopped-expired = This link was valid for 7 days and the signature was not confirmed in time, so it was not counted. Sign the letter again to get a new link.
link-stopped-withdrawn = This signature was withdrawn before it was confirmed: it was never counted and its details were deleted. You can sign the letter again.
link-stopped-unknown = We did not send this link, or it belonged to a signature that was never confirmed and was deleted after 7 days. If you copied it from an e-mail, check that the whole link came along (some mail programs break long links). Otherwise, sign the letter again from its page.
link-stopped-sign-again = Sign the letter again
link-stopped-home = All letters
withdraw-back = Keep my signature
field-name = Name
field-title = Title or profession
field-affiliation = Affiliation
field-city = City
field-country = Country
field-orcid = ORCID iD
field-pledge = Pledge

## The verify page
verify-title = Check the count: { $title }
verify-intro = The count of this letter is not just the organisers' word. Every confirmed signature, every withdrawal and every moderator's strike is an entry in a public, append-only log, and the server signs a checkpoint of that log. Anyone can download the log, recount it and check the signature, with the commands below.
verify-numbers-heading = What the numbers mean
verify-size = The latest checkpoint covers this many entries: { $size }. Entries are not signatures: the log also holds the letter's text and every change to the count.
verify-kinds = These entries are: texts of the letter (the first version, corrections, translations): { $texts }; confirmed signatures: { $signatures }; withdrawals: { $withdrawals }; strikes by moderators (fakes and duplicates, each with a public reason): { $strikes }.
verify-count = Each withdrawal or strike cancels one signature: { $signatures } signatures, { $cancelled } of them cancelled, make the count of { $count } that this letter shows.
verify-being-added = { $count ->
    [one] { $formatted } more confirmed signature is being added to the log right now; it is already shown on the letter's page as "being added".
   *[other] { $formatted } more confirmed signatures are being added to the log right now; they are already shown on the letter's page as "being added".
}
verify-withdrawals-pending = { $count ->
    [one] { $formatted } withdrawal waits for the next daily batch: the letter's page no longer counts that signature, the checkpoint still does until the batch is in the log.
   *[other] { $formatted } withdrawals wait for the next daily batch: the letter's page no longer counts those signatures, the checkpoint still does until the batch is in the log.
}
verify-no-personal-data = The log holds no personal data: each entry is a salted fingerprint of a public record. Records of signers who asked not to be named are withheld, and erased records are gone, without changing the log.
verify-checkpoint-heading = The latest checkpoint
verify-checkpoint-explain = Its first line names the log, the second is the number of entries, the third the root hash of all of them; the last line is the server's signature. Keep a copy: every later checkpoint must begin with exactly these entries, and `verify --previous` proves it.
verify-checkpoint-raw = The checkpoint as a file
verify-no-checkpoint = The log has no checkpoint yet; it gets one within seconds of publication.
verify-key-heading = The letter's key
verify-key-explain = Checkpoints are signed with this key. For a real check, take the key from a source you trust (the organisers' announcement, an earlier visit, a journalist's copy) rather than from the server you are checking.
verify-key-raw = The key as a file
verify-instance-key = Every letter's key on this server
verify-commands-heading = Check it yourself in three commands
verify-commands-intro = With the undersign program (any computer; it needs nothing from this server but the public files):
verify-command-key = Save the letter's key (better: from a source you trust).
verify-command-check = Check everything: the signature on the checkpoint, every entry, every public record and the count. It ends with "OK" and the count, or names what is wrong.
verify-command-later = Keep today's checkpoint; next time, prove that the log only grew since and nothing was removed.
verify-raw-heading = The raw log
verify-raw-records = The first public records (JSON)
verify-raw-entries = The first entries, as tiles (binary)
verify-raw-proofs = Inclusion and consistency proofs (the API's description)

## The sign form: what is public, limits
form-shown-publicly = shown publicly
form-never-shown = never shown
form-public-note = Fields marked "shown publicly" appear under the letter with your name once you confirm (unless you choose below not to show your name). Your e-mail address is never shown.
form-rate-limited = { $count ->
    [one] Too many signatures came from { $source } just now, so this one was not taken. What you typed is kept below: please send it again in about a minute.
   *[other] Too many signatures came from { $source } just now, so this one was not taken. What you typed is kept below: please send it again in about { $count } minutes.
}
form-limit-network = your network

## Letter pages: links, closing, withheld signers
letter-closed-on = Closed on { $date }
letter-closed-short = Closed
letter-withheld = { $count ->
    [one] Of them, { $formatted } asked to be counted without their name being shown.
   *[other] Of them, { $formatted } asked to be counted without their names being shown.
}
letter-links = About this letter
letter-campaign-link = The campaign this letter is part of
letter-badge-snippet = Paste this into your web page (an image and a link; no script):
api-error-too-many-challenges = { $count ->
    [one] This network asked for too many proof-of-work challenges for this letter. Please try again in a minute.
   *[other] This network asked for too many proof-of-work challenges for this letter. Please try again in { $formatted } minutes.
}

## Closing a letter
close-title = Close “{ $title }”?
close-consequences-heading = What closing does
close-consequence-signing = Nobody can sign any more: the form disappears from the letter's page and the API refuses new signatures.
close-consequence-final = The count and the log stay public as they are; the last checkpoint is the letter's final word. Confirmations still on their way when you close are not counted.
close-consequence-form = The signature form's settings can no longer be changed.
close-consequence-forever = Closing cannot be undone. To collect more signatures later, publish a new letter.
close-understood = I understand that closing cannot be undone.
close-button = Close the letter for good
close-cancel = Keep it open
close-not-understood = Please tick the box to confirm that you want to close the letter for good. Nothing was changed.
manage-form-closed = The letter is closed, so its signature form is final:
moderation-strike-sure = I am sure: the strike and its reason go into the public log and cannot be undone.
moderation-strike-not-sure = Please tick "I am sure" to strike: a strike is public and cannot be undone. Nothing was struck.
moderation-foreign-letters = letters of another alphabet hidden in this word
report-signature = You are reporting the signature
sign-in-cap = At most 5 links an hour are sent to one address. If you asked more often, the next link comes when the hour is over; if you still get none, the operator of this site can make you a link (undersign admin sign-in-link).
sign-in-sent-cap = At most 5 links an hour go to one address: if you already asked that often, wait until the hour is over, then ask again.
audit-sign-in-link-made = sign-in link made on the command line
sign-in-demo = This is a demo: sign in as { $email } to organise the demo letters (moderation, corrections, the signature form). The link arrives as an .eml file in the outbox folder of the data folder.

## The second factor: setting it up
two-factor-intro = A second factor asks for a code from an app on your phone each time you sign in, so that a stolen e-mail account is not enough to sign in as you.
two-factor-start = Show me a key
two-factor-qr-alt = QR code of the key, for an authenticator app
two-factor-new-code = The code the app shows for this key
two-factor-replacing = You already have a second factor. To replace it, enter a code from your current app (or one of your recovery codes) as well; the old one stops working.
two-factor-current = A code from your current app, or a recovery code
two-factor-current-hint = This proves that the person replacing the second factor is you.
two-factor-current-wrong = The code from your current second factor (or the recovery code) is not right, so nothing was changed.
two-factor-not-started = Ask for a key first, then enter the code your app shows for it.
two-factor-recovery-download = Download the codes as a text file
two-factor-recovery-file = undersign recovery codes. Each works once, to sign in if you lose your authenticator app. Keep them away from your phone.
two-factor-kept = I have kept these codes somewhere safe.
two-factor-not-kept = Please tick the box once you have kept the codes. They cannot be shown again: if you did not keep them, set up the second factor again to get new ones.
two-factor-set-up-again = Set up the second factor again
letter-translation-outdated = This is the translation of version { $version }. The letter has since been corrected (it is now at version { $current }), and this translation is being updated; until then the current text is the { $language } one.
letter-translation-of-version = translation of version { $version }, being updated
letter-original-link = Read the current text
letter-versions-link = What changed
campaign-translations = Translations
campaign-translations-explain = Readers see the campaign in their interface language where you translated it, and in the original elsewhere. Leave a quote or a timeline entry empty to show the original.
campaign-translation-save = Save this translation
campaign-error-quote-no-translation = the letter has no text in this language yet: publish its translation first, then quote it

## Audit log details (values: $a, $b, …)
audit-detail-account = account #{ $a }
audit-detail-role = { $a ->
    [organiser] organiser
   *[other] moderator
} — account #{ $b }
audit-detail-campaign-organiser = organiser of campaign { $a } — account #{ $b }
audit-detail-from-draft = { $a }, from draft #{ $b }
audit-detail-from-file = { $a }, from the file { $b }
audit-detail-addresses = { $a } addresses, after signature #{ $b }
audit-detail-signature = signature { $a }
audit-detail-struck = { $a }: “{ $b }”
audit-detail-totp = authenticator app
audit-detail-totp-replaced = authenticator app replaced
audit-detail-closing-day-passed = its closing day passed
audit-detail-name-watched = a name was added (the name is not logged)
audit-detail-campaign-text = { $a }: title and summary
audit-detail-campaign-letter = { $a }: letter { $b } with its pull quote
audit-detail-campaign-timeline = { $a }: timeline { $b }, { $c }, { $d }
audit-detail-campaign-entry-hidden = { $a }: timeline entry #{ $b } hidden
audit-detail-campaign-entry-shown = { $a }: timeline entry #{ $b } shown again
audit-detail-campaign-related = { $a }: related to { $b }
audit-detail-campaign-translation = { $a }: translation ({ $b })
audit-detail-form = fields { $a }; organisations { $b ->
    [true] allowed
   *[other] not allowed
}; verified domains: { $c }
signatures-search-results-more = More than { $formatted } signatures match “{ $query }” (they are not counted further); page through them below, or download them all as CSV.
