site-name = undersign
skip-to-content = К содержанию
language-switch = Язык
footer-privacy = Ваш адрес электронной почты хранится зашифрованным, используется только для подтверждения подписи и нигде не показывается. IP-адреса не хранятся. Сайт ничего не загружает с других сайтов.
back-home = На главную
back-to-letter = К письму

## Counts
signature-count = { $count ->
    [one] { $formatted } подпись
    [few] { $formatted } подписи
    [many] { $formatted } подписей
   *[other] { $formatted } подписи
}
organisation-count = { $count ->
    [one] { $formatted } организация
    [few] { $formatted } организации
    [many] { $formatted } организаций
   *[other] { $formatted } организации
}
campaign-total = { $count ->
    [one] Всего { $formatted } подпись
    [few] Всего { $formatted } подписи
    [many] Всего { $formatted } подписей
   *[other] Всего { $formatted } подписи
}

## Dates
date-long = { $day } { $month } { $year } г.
month-1 = января
month-2 = февраля
month-3 = марта
month-4 = апреля
month-5 = мая
month-6 = июня
month-7 = июля
month-8 = августа
month-9 = сентября
month-10 = октября
month-11 = ноября
month-12 = декабря

## Home
home-title = Открытые письма
home-lead = Письма профессиональных сообществ. Подписи может пересчитать и проверить каждый.
home-campaigns = Кампании
home-letters = Письма
home-empty = Пока не опубликовано ни одного письма.

## Campaign
campaign-letters = Письма по сообществам
campaign-timeline = Хроника
campaign-source = Источник
action-court = Суд
action-picket = Пикет
action-letter = Письмо
action-detention = Задержания
action-closure = Закрытие
action-press = Пресса

## Communities
community-scientists = Учёные
community-writers = Писатели и журналисты
community-journalists = Журналисты
community-teachers = Учителя
community-doctors = Врачи
community-psychologists = Психологи
community-artists = Художники и сотрудники музеев
community-bookstores = Книжные магазины
community-lawyers = Юристы
community-students = Студенты

## Letter
letter-published = Опубликовано { $date }
letter-closed = Письмо закрыто, подписи больше не принимаются.
letter-recent = Последние подписи
letter-no-signatures = Подтверждённых подписей пока нет. Станьте первым.
letter-all-signatures = Все подписи
signer-organisation = организация
signatures-title = Подписи: { $title }
signatures-withheld-note = Подписавшие, которые просили не показывать их имя, учтены в числе подписей, но не перечислены.
signatures-older = Более ранние подписи

## Sign form
form-heading = Подписать письмо
form-has-errors = Пожалуйста, исправьте:
form-name = Имя и фамилия (или название организации)
form-email = Электронная почта
form-email-hint = Только для подтверждения подписи. Хранится зашифрованной и нигде не показывается.
form-title = Должность или профессия
form-affiliation = Место работы или учёбы
form-affiliation-hint = Университет, школа, больница, издание или другое место работы.
form-city = Город
form-country = Страна
form-orcid = ORCID iD (необязательно)
form-orcid-hint = Например, 0000-0002-1825-0097.
form-signer-kind = Кто подписывает
form-organisation = Я подписываю от имени организации
form-pledge = Обязательство (только для организаций, необязательно)
form-pledge-hint = Например: «В понедельник мы закрываемся в знак солидарности».
form-visibility = Ваше имя
form-show-name = Показывать моё имя под письмом
form-hide-name = Учесть мою подпись, но не показывать имя
form-consent = Я прочитал(а) письмо и подписываю его. Я согласен(на), что моя подпись будет храниться и, если я не выбрал(а) иное, показываться с моим именем.
form-privacy = После подписи мы пришлём письмо со ссылкой. Подпись учитывается только после подтверждения.
form-submit = Подписать

## Field errors
error-required = Пожалуйста, заполните это поле.
error-required-name = Пожалуйста, укажите имя.
error-required-email = Пожалуйста, укажите адрес электронной почты: на него придёт ссылка для подтверждения.
error-too-long = Пожалуйста, сократите до { $max } символов.
error-forbidden-characters = Здесь есть невидимые или управляющие символы. Пожалуйста, введите текст заново.
error-name-without-letters = В имени должна быть хотя бы одна буква.
error-email-invalid = Это не похоже на адрес электронной почты. Проверьте его, например: name@example.org.
error-orcid-format = ORCID iD состоит из 16 цифр в четырёх группах, например 0000-0002-1825-0097.
error-orcid-checksum = Контрольная цифра этого ORCID iD не сходится; возможно, опечатка.
error-consent-required = Чтобы подписать, отметьте это поле.
error-pledge-without-organisation = Обязательство могут взять только организации. Отметьте «Я подписываю от имени организации» или оставьте поле пустым.

## Check e-mail
check-email-title = Проверьте почту
check-email-body = Мы отправили ссылку для подтверждения подписи под письмом «{ $title }». Подпись будет учтена, когда вы откроете ссылку и нажмёте кнопку.
check-email-validity = Ссылка действует 7 дней.
check-email-spam = Письма нет уже несколько минут? Проверьте папку «Спам» или подпишите ещё раз, чтобы получить новую ссылку.

## Confirmation
confirm-title = Подтверждение подписи
confirm-explain = Нажмите кнопку, чтобы подтвердить, что вы подписываете это письмо.
confirm-button = Подтвердить подпись

## Error pages
error-status = Код
error-page-not-found-title = Страница не найдена
error-page-not-found-body = По этому адресу ничего нет. Возможно, в ссылке опечатка или письмо перенесено.
error-page-bad-request-title = Запрос не удалось прочитать
error-page-bad-request-body = Браузер прислал что-то непонятное. Вернитесь назад и попробуйте ещё раз.
error-page-too-large-title = Слишком много текста
error-page-too-large-body = Отправленные данные больше допустимого. Сократите их и попробуйте ещё раз.
error-page-letter-closed-title = Письмо закрыто
error-page-letter-closed-body = Под этим письмом больше не принимаются подписи.
error-page-internal-title = У нас что-то сломалось
error-page-internal-body = Вы ни в чём не виноваты; введённые данные не потеряны и никому не показаны. Попробуйте ещё раз через минуту.
error-page-link-expired-title = Срок действия ссылки истёк
error-page-link-expired-body = Ссылки для подтверждения действуют 7 дней. Подпишите письмо ещё раз, чтобы получить новую ссылку.
error-page-method-not-allowed-title = Так нельзя
error-page-method-not-allowed-body = Этот адрес не принимает такой запрос.
error-page-too-many-title = Слишком много попыток
error-page-too-many-body = { $count ->
    [one] Из вашей сети за короткое время пришло слишком много подписей. Попробуйте снова через { $formatted } минуту.
    [few] Из вашей сети за короткое время пришло слишком много подписей. Попробуйте снова через { $formatted } минуты.
   *[many] Из вашей сети за короткое время пришло слишком много подписей. Попробуйте снова через { $formatted } минут.
}

## API errors
api-error-letter_not_found = Письма с таким адресом нет.
api-error-letter_closed = Письмо закрыто, подписи больше не принимаются.
api-error-not_found = По этому адресу ничего нет.
api-error-internal = У нас что-то сломалось; ничего не сохранено. Попробуйте ещё раз.
api-error-unsupported_media_type = Отправьте тело запроса в JSON с заголовком Content-Type: application/json.
api-error-payload_too_large = Тело запроса больше 16 КиБ.
api-error-invalid_body = JSON не соответствует тому, что ожидает этот адрес
api-error-no_checkpoint = У журнала письма ещё нет контрольной точки; попробуйте через несколько секунд.
api-error-malformed_json = Тело запроса — не JSON.

## Mail
mail-greeting = Здравствуйте!
mail-confirm-subject = Подтвердите подпись: { $title }
mail-confirm-intro = Кто-то, надеемся, что вы, подписал открытое письмо «{ $title }», указав этот адрес.
mail-confirm-action = Чтобы подтвердить подпись, откройте ссылку и нажмите кнопку на странице:
mail-confirm-button = Подтвердить подпись
mail-confirm-validity = Ссылка действует 7 дней. После подтверждения эта же ссылка — ваша личная квитанция и способ отозвать подпись: сохраните это письмо.
mail-confirm-not-you = Если это были не вы, просто не обращайте внимания на это письмо: без подтверждения подпись не учитывается и не показывается.
mail-letter-link = Письмо:
mail-already-signed-subject = Вы уже подписали: { $title }
mail-already-signed-body = Кто-то, вероятно вы, ещё раз попытался подписать открытое письмо «{ $title }» с этим адресом. Вы уже подписали его, подпись учтена один раз, ничего не изменилось.
mail-already-signed-not-you = Если это были не вы, ничего делать не нужно.

## Letter log, receipt and withdrawal
count-being-added = { $count ->
   *[other] +{ $formatted } добавляются в журнал
}
count-withdrawals-pending = { $count ->
    [one] ({ $formatted } отзыв ожидает)
    [few] ({ $formatted } отзыва ожидают)
   *[many] ({ $formatted } отзывов ожидают)
}
letter-log-link = Каждая подпись есть в открытом журнале письма: проверьте число сами.
receipt-heading = Ваша квитанция
receipt-entry = Ваша подпись — запись { $index } в открытом журнале письма.
receipt-proof-link = Доказательство, что ваша запись есть в журнале
receipt-being-added = Ваша подпись добавляется в открытый журнал; страница обновится через мгновение.
receipt-reload = Обновить
receipt-keep-private = Не показывайте никому адрес этой страницы: это ваша квитанция и способ отозвать подпись.
receipt-withdraw-link = Отозвать мою подпись
withdraw-title = Отзыв подписи
withdraw-explain = Подпись сразу перестанет показываться и учитываться на страницах. Журнал запишет отзыв в ближайшем ежедневном пакете вместе с другими и в случайном порядке, чтобы не было видно, когда вы отозвали подпись.
withdraw-erase-legend = Ваши данные
withdraw-keep = Только отозвать (журнал сохранит запись о подписи)
withdraw-erase = Отозвать и стереть мои данные (имя, место работы и адрес почты удаляются; в журнале остаётся только анонимная запись)
withdraw-button = Отозвать подпись
mail-withdraw = Передумаете позже? По этой ссылке подпись можно и отозвать:

## Abuse resistance
form-no-javascript = JavaScript выключен: подписать всё равно можно. Тогда подпись проверят модераторы письма, и из одной сети так принимается меньше подписей в день.
pow-working = Проверяем, что вы не робот (данные не покидают ваш браузер)…
pow-done = Готово. Отправляем…
pow-failed = Автоматическая проверка не сработала. Нажмите «Подписать» ещё раз.
error-pow-missing = Нет автоматической проверки от роботов. Пожалуйста, отправьте форму ещё раз.
error-pow-expired = Срок автоматической проверки от роботов истёк. Пожалуйста, отправьте форму ещё раз.
error-pow-replayed = Эта автоматическая проверка уже использована. Пожалуйста, отправьте форму ещё раз.
error-pow-invalid = Автоматическая проверка от роботов не пройдена. Пожалуйста, отправьте форму ещё раз.
receipt-held = Подпись подтверждена. Модераторы письма проверят её, прежде чем она будет учтена и добавлена в открытый журнал.
api-error-unknown_token = Этот API-токен неизвестен. Передайте его как «Authorization: Bearer <токен>» или не передавайте заголовок Authorization и решите задачу proof of work.
api-error-method_not_allowed = Этот адрес не принимает такой HTTP-метод; см. /api/v1/openapi.json.
error-page-busy-title = Сервер перегружен
error-page-busy-body = Ничего не сохранено. Пожалуйста, отправьте форму ещё раз через несколько секунд.
api-error-busy = Сервер перегружен; ничего не сохранено. Попробуйте ещё раз через несколько секунд.
badge-signatures = подписей
badge-organisations = организаций
signatures-csv-matches = Скачать найденные подписи (CSV)
signatures-csv = Скачать список (CSV)
letter-badge = Счётчик для вашего сайта
signatures-search = Поиск по именам, местам работы и городам
signatures-search-button = Найти
signatures-search-results = { $count ->
    [one] «{ $query }»: найдена { $count } подпись.
    [few] «{ $query }»: найдено { $count } подписи.
   *[many] «{ $query }»: найдено { $count } подписей.
}
api-error-invalid_query = Параметры запроса не удалось прочитать: каждый может встречаться один раз, а числа должны быть целыми и неотрицательными.

## Организаторы: вход
sign-in-title = Вход для организаторов
sign-in-intro = Организаторы входят без пароля: введите адрес электронной почты, и мы пришлём ссылку, которая работает один раз в течение 15 минут.
sign-in-email = Ваш адрес электронной почты
sign-in-button = Прислать ссылку для входа
sign-in-sent = Если этот адрес принадлежит организатору, ссылка для входа уже отправлена.
sign-in-sent-validity = Ссылка работает один раз в течение 15 минут. Откройте её в этом браузере.
sign-in-sent-spam = Письма нет уже несколько минут? Проверьте папку «Спам» или запросите новую ссылку.
sign-in-link-title = Вход
sign-in-link-explain = Нажмите кнопку, чтобы войти в этом браузере.
sign-in-link-button = Войти
second-factor-title = Второй шаг
second-factor-explain = Введите шестизначный код из приложения-аутентификатора или один из резервных кодов.
second-factor-code = Код
second-factor-wrong = Код неверен (или уже использован). Введите текущий код.
second-factor-button = Продолжить
sign-out-button = Выйти

## Организаторы: обзор и второй фактор
organise-title = Организация
organise-signed-in-as = Вы вошли как { $email }
organise-add-second-factor = Защитите учётную запись вторым фактором (приложением-аутентификатором).
organise-your-letters = Ваши письма
organise-no-letters = Писем пока нет. Напишите черновик или попросите организатора пригласить вас.
organise-drafts = Черновики
organise-new-draft = Написать новое письмо
two-factor-title = Второй фактор
two-factor-required = Администраторы должны сначала включить второй фактор.
two-factor-explain = Добавьте этот ключ в приложение-аутентификатор (любое приложение для кодов TOTP) и введите код, который оно покажет.
two-factor-secret = Ключ:
two-factor-app-link = Открыть в приложении-аутентификаторе на этом устройстве
two-factor-button = Включить второй фактор
two-factor-done = Второй фактор включён. Теперь при входе нужен код.
two-factor-recovery-explain = Сохраните эти резервные коды в надёжном месте, не на телефоне. Каждый работает один раз — на случай, если приложение потеряется. Они показываются только сейчас.
two-factor-continue = Продолжить

## Организаторы: черновики
draft-title = Черновик письма
draft-has-errors = Исправьте, пожалуйста, отмеченные поля.
draft-field-title = Заголовок
draft-field-slug = Адрес письма
draft-field-slug-hint = Станет /letters/…: от 3 до 64 строчных латинских букв, цифр и дефисов. После публикации не меняется.
draft-field-addressee = Адресат
draft-field-community = Сообщество
draft-field-community-hint = Кто подписывает, например scientists, teachers, doctors (строчные латинские буквы и дефисы).
draft-field-language = Язык текста
draft-field-language-hint = Код языка, например ru или en.
draft-field-body = Текст
draft-field-body-hint = Markdown: *курсив*, **жирный**, списки, ссылки. HTML показывается как текст.
draft-field-organisations = Подписывают организации (книжные, профсоюзы, лаборатории), а не люди
draft-field-closes-on = Последний день сбора подписей (необязательно)
draft-field-target = Цель по числу подписей (необязательно)
draft-save = Сохранить черновик
draft-preview = Предпросмотр
draft-publish-explain = После публикации текст нельзя изменить, а его отпечаток попадает в открытый журнал письма.
draft-publish = Опубликовать письмо
draft-error-slug = Используйте от 3 до 64 строчных латинских букв, цифр и одиночных дефисов, например teachers-2026.
draft-error-slug-taken = Этот адрес уже занят другим письмом или черновиком. Выберите другой.
draft-error-required = Заполните, пожалуйста, это поле.
draft-error-too-long = Слишком длинно.
draft-error-characters = Здесь есть невидимые или управляющие символы. Наберите текст заново.
draft-error-community = Используйте строчные латинские буквы и дефисы, например scientists.
draft-error-language = Используйте код языка, например ru или en.
draft-error-closes-on = Введите дату в виде ГГГГ-ММ-ДД, например 2026-12-31.
draft-error-closes-on-past = Этот день уже прошёл.
draft-error-target = Введите целое число от 1 до 100 000 000.

## Организаторы: письмо
manage-close-explain = Закрытие прекращает сбор подписей. Письмо, счётчик и журнал остаются открытыми.
manage-close = Закрыть письмо
manage-members = Организаторы и модераторы
manage-invite-email = Пригласить по адресу электронной почты
manage-invite-role = Роль
manage-invite = Пригласить
manage-moderator-only = Как модератор вы проверяете отмеченные подписи. Письмом управляют организаторы.
invite-done = Приглашение отправлено. Человек получит письмо и войдёт со своим адресом.
invite-already = У этого человека уже есть эта роль.
role-organiser = организатор
role-moderator = модератор
addresses-title = Адреса подписавших
addresses-audited = (каждый просмотр записывается в журнал действий)
addresses-warning = Эти адреса — личные данные людей, которым может угрожать опасность. Не копируйте их в небезопасные места.
addresses-name = Имя
addresses-email = Почта
addresses-erased = удалён подписавшим
addresses-next = Следующая страница
audit-title = Журнал действий
audit-when = Когда
audit-who = Кто
audit-what = Что
audit-detail = Подробности
audit-command-line = командная строка
audit-admin-created = назначен администратор
audit-draft-created = создан черновик
audit-draft-edited = изменён черновик
audit-letter-published = письмо опубликовано
audit-letter-closed = письмо закрыто
audit-role-granted = выдана роль
audit-signer-addresses-read = просмотрены адреса подписавших
audit-second-factor-enrolled = включён второй фактор

## Организаторы: почта
mail-sign-in-subject = Ваша ссылка для входа
mail-sign-in-intro = Кто-то, надеемся, что вы, хочет войти как организатор с этим адресом. Откройте ссылку и нажмите кнопку на странице:
mail-sign-in-button = Войти
mail-sign-in-validity = Ссылка работает один раз в течение 15 минут.
mail-sign-in-not-you = Если это были не вы, просто проигнорируйте письмо: без ссылки войти нельзя.
mail-invitation-subject = Вас пригласили к письму «{ $title }»
mail-invitation-intro = Вас назначили: { $role } открытого письма «{ $title }».
mail-invitation-sign-in = Войдите с этим адресом здесь:
mail-invitation-not-expected = Если вы этого не ждали, просто проигнорируйте письмо: без входа ничего не произойдёт.

## Организаторы: ошибки
error-page-forbidden-title = Нет доступа
error-page-forbidden-body = Вашей учётной записи это не разрешено. Обратитесь к организаторам письма, если считаете, что это ошибка.
error-page-csrf-title = Форма устарела
error-page-csrf-body = Ничего не сделано. Вернитесь назад, обновите страницу и отправьте форму ещё раз.
error-page-sign-in-link-title = Ссылка для входа не работает
error-page-sign-in-link-body = Ссылки для входа работают один раз в течение 15 минут. Запросите новую на странице входа.
letter-target = Цель: { $target }
letter-closes-on = Сбор подписей закрывается после { $date }.
mail-welcome-subject = Вас пригласили публиковать открытые письма
mail-welcome-intro = Администратор пригласил вас писать и публиковать открытые письма и собирать под ними подписи.
organise-invite-organiser = Пригласить организатора
organise-invite-organiser-explain = Организатор может писать и публиковать собственные письма.
organise-invite-organiser-done = Приглашение отправлено. Человек получит письмо и войдёт со своим адресом.
audit-publishing-allowed = приглашён публиковать

## Модерация
moderation-title = Модерация
moderation-explain = Здесь ждут подписи, отмеченные правилами. Оставьте подпись или вычеркните её с публичной причиной: причина попадёт в журнал письма, а счётчик уменьшится.
moderation-queue = Ждут решения
moderation-empty = Ничего не ждёт решения.
moderation-held = задержана, не учтена
moderation-keep = Оставить
moderation-release = Учесть в счётчике
moderation-strike = Вычеркнуть
moderation-reason = Публичная причина
moderation-reason-hint = Будет видна всем в журнале, например: «Подписано не тем человеком, чьё имя указано (подтверждено им)».
moderation-reason-required = Чтобы вычеркнуть подпись, нужна публичная причина.
moderation-bulk = Вычеркнуть по правилу
moderation-bulk-preview = Будут вычеркнуты
moderation-bulk-count = { $count ->
    [one] { $formatted } подпись
    [few] { $formatted } подписи
   *[many] { $formatted } подписей
}
moderation-bulk-strike = Вычеркнуть все эти подписи
moderation-bulk-done = { $count ->
    [one] Вычеркнута { $formatted } подпись.
    [few] Вычеркнуто { $formatted } подписи.
   *[many] Вычеркнуто { $formatted } подписей.
}
moderation-bulk-outdated = Список изменился, пока вы его смотрели. Ничего не вычеркнуто; проверьте новый список ниже.
flag-duplicate-email = этот почтовый ящик уже подписывал
flag-duplicate-name = это имя уже подписывало
flag-mixed-script = в имени смешаны алфавиты
flag-disposable-domain = одноразовый почтовый адрес
flag-no-proof-of-work = подписано без проверки в браузере
flag-watch-list = имя в списке наблюдения
flag-burst = одна из многих подписей из одной сети за несколько минут
flag-reported = читатель сообщил о подделке
manage-moderation = Очередь модерации
audit-signature-approved = подпись оставлена
audit-signatures-struck = подписи вычеркнуты
report-link = пожаловаться
report-title = Сообщить о подписи
report-explain = Эта подпись поддельная, или это ваше имя, а вы не подписывали? Сообщите модераторам письма. Они решат; вычеркнутая подпись видна в журнале письма вместе с причиной.
report-note = Что не так (необязательно)
report-not-me = Мы пришлём на этот адрес ссылку, чтобы убедиться, что просите действительно вы; после подтверждения адрес удаляется.
report-button = Отправить
report-done = Спасибо. Модераторы посмотрят.

## Редактор кампаний
organise-campaigns = Кампании
campaign-new-title = Начать кампанию
campaign-create = Создать кампанию
campaign-about = Название и описание
campaign-save = Сохранить
campaign-saved = Сохранено.
campaign-field-title = Название
campaign-field-slug = Адрес кампании
campaign-field-slug-hint = Станет /campaigns/…: от 3 до 64 строчных латинских букв, цифр и дефисов.
campaign-field-summary = Описание
campaign-field-letter = Письмо
campaign-field-pull-quote = Цитата
campaign-field-pull-quote-hint = Слова из текста письма, которые показываются рядом с ним на странице кампании.
campaign-put-letter = Добавить письмо в кампанию
campaign-field-date = Дата
campaign-field-kind = Что произошло
campaign-field-place = Место
campaign-field-note = Заметка
campaign-field-source-url = Источник (веб-адрес)
campaign-field-related = Более ранняя кампания
campaign-entry-add = Добавить в хронику
campaign-entry-edit = Изменить
campaign-entry-hide = Скрыть
campaign-entry-show = Показать снова
campaign-entry-hidden = скрыто
campaign-related = Связанные кампании
campaign-link = Связать
campaign-error-kind = Выберите из списка, что произошло.
campaign-error-source = Укажите веб-адрес, начинающийся с https:// (или http://).
campaign-error-quote-length = Цитата — не длиннее 400 знаков.
campaign-error-quote-not-in-text = Цитата должна быть точно скопирована из текста письма.
campaign-error-letter = Выберите одно из ваших писем.
campaign-error-related = Выберите другую существующую кампанию.
campaign-error-slug-taken = Этот адрес уже занят другой кампанией. Выберите другой.
audit-campaign-created = создана кампания
audit-campaign-edited = изменена кампания

## Версии и переводы
letter-texts = Это письмо на языках
letter-translation-note = Это перевод. Письмо написано на языке «{ $language }»; у всех версий один и тот же список подписей.
letter-version = Версия { $version }
signer-signed-version = (подписана версия { $version })
versions-title = Версии письма
versions-explain = Опубликованный текст никогда не меняется. Исправление — это новая версия; здесь каждая показана с изменениями относительно предыдущей. У каждой подписи указана версия, под которой она поставлена.
reconfirm-title = У письма новая версия
reconfirm-explain = Вы подписали версию { $version }. Вот что изменилось с тех пор:
reconfirm-button = Подтвердить подпись под версией { $version }
reconfirm-nothing = Если ничего не делать, подпись останется учтённой — как подпись под той версией, которую вы подписали.
reconfirm-done = Теперь ваша подпись стоит под версией { $version }. Спасибо.
manage-texts = Текст, версии и переводы
manage-correct = Опубликовать исправление (новую версию)
manage-correct-explain = Опубликованный текст остаётся как есть, со своими подписями. Исправление станет следующей версией и будет показано с изменениями; все, кто подписал раньше, получат письмо и смогут подтвердить подпись под новым текстом.
manage-correct-button = Опубликовать новую версию
manage-translate = Добавить перевод
manage-translate-button = Опубликовать перевод
text-error-translation-exists = У этой версии уже есть текст на этом языке.
text-error-same-language = Перевод должен быть на другом языке, чем письмо.
text-error-unchanged = Исправление ничего не меняет.
audit-version-published = опубликована новая версия
audit-translation-published = опубликован перевод
mail-new-version-subject = У подписанного вами письма новая версия: { $title }
mail-new-version-intro = Организаторы письма «{ $title }» опубликовали исправленную версию текста, который вы подписали.
mail-new-version-diff = Что изменилось:
mail-new-version-action = Чтобы подтвердить подпись под новым текстом, откройте ссылку и нажмите кнопку:
mail-new-version-button = Подтвердить под новой версией
mail-new-version-nothing = Если ничего не делать, подпись останется учтённой как подпись под той версией, которую вы подписали. Ничья подпись не переходит к тексту, который человек не читал.

## Настройки формы, организации, подтверждённая принадлежность
count-people = { $count ->
    [one] { $formatted } человек
    [few] { $formatted } человека
    [many] { $formatted } человек
   *[other] { $formatted } человека
}
letter-final-checkpoint = Итог: { $count }, в подписанной контрольной точке из { $size } записей журнала.
letter-final-checkpoint-link = Итоговая контрольная точка
form-title-hint = Для организации: какая это организация (книжный магазин, профсоюз, лаборатория…).
signer-verified = подтверждено: { $domain }
error-organisations-not-allowed = Это письмо подписывают только люди.
manage-form = Форма подписи
manage-form-explain = Какие поля показывает форма и кто может подписать. Изменения касаются новых подписей.
manage-form-hidden = не показывать
manage-form-optional = необязательно
manage-form-required = обязательно
manage-form-organisations = Организации (книжные, профсоюзы, лаборатории) могут подписывать наравне с людьми
manage-form-domains = Домены для подтверждения принадлежности
manage-form-domains-hint = Почтовые домены учреждений, по одному в строке (например, msu.ru). Подпись, подтверждённая с такого адреса или его поддомена, показывается как подтверждённая для этого учреждения.
manage-form-save = Сохранить форму
manage-form-saved = Форма сохранена.
manage-form-bad-domain = { $domain } — не почтовый домен вроде msu.ru.
audit-form-changed = изменена форма подписи

## «Это не я»
report-email = Это ваше имя, а вы не подписывали? Ваш адрес электронной почты (необязательно)
report-removal-sent = Мы отправили ссылку на указанный адрес. Когда вы откроете её и нажмёте кнопку, модераторы увидят, что человек, чьё имя указано, просит удалить подпись.
removal-title = Удалить подпись от моего имени
removal-explain = Вы просите удалить подпись «{ $name }», которую, по вашим словам, вы не ставили. Нажмите кнопку, чтобы подтвердить просьбу; решают модераторы письма, а вычеркнутая подпись видна в журнале письма вместе с причиной.
removal-button = Подтвердить просьбу
removal-done = Просьба подтверждена. Модераторы её рассмотрят; ваш адрес не сохранён.
flag-removal-requested = человек, чьё имя указано, просит удалить подпись (подтверждено по почте)
mail-removal-subject = Подтвердите просьбу: { $title }
mail-removal-intro = Кто-то, надеемся, что вы, попросил удалить подпись «{ $name }» под открытым письмом «{ $title }», сообщив, что человек с этим именем её не ставил.
mail-removal-action = Чтобы подтвердить просьбу, откройте ссылку и нажмите кнопку:
mail-removal-button = Подтвердить просьбу
mail-removal-after = Решают модераторы письма. Ссылка действует два дня.
mail-removal-not-you = Если это были не вы, просто проигнорируйте письмо: без нажатия кнопки ничего не произойдёт.
campaign-organisers = Организаторы кампании
mail-campaign-invitation-subject = Вас пригласили в кампанию «{ $title }»
mail-campaign-invitation-intro = Вас назначили организатором кампании «{ $title }»: вы можете менять её страницу, цитаты из писем и хронику.
audit-watch-list-changed = изменён список наблюдения
footer-organisers = Для организаторов

## Ссылка подписавшего: одно состояние на странице
receipt-title-confirmed = Ваша подпись подтверждена
receipt-title-withdrawn = Ваша подпись отозвана
link-stopped-title = Эта ссылка больше не подтверждает подпись
receipt-number = Вы — { $number }-й подписавший это письмо.
receipt-withdrawal-waiting = Подпись больше не показывается и не учитывается на страницах письма. Открытый журнал запишет отзыв в ближайшем ежедневном пакете, не позже { $date }, вместе с другими и в случайном порядке.
receipt-withdrawal-in-log = Отзыв — запись { $index } в открытом журнале письма; ваша подпись больше не входит в счёт.
receipt-withdrawn-uncounted = Подпись ещё не была добавлена в открытый журнал, поэтому записывать там нечего: она просто больше не учитывается.
receipt-erased = Ваше имя и данные стёрты; в журнале остаётся только анонимная запись.
receipt-verify-link = Как самому проверить число подписей и вашу запись
confirm-public-heading = Что будет видно всем
confirm-public-intro = После подтверждения под письмом любой увидит:
confirm-public-hidden = Ваше имя не будет показано: письмо учтёт подпись, не называя вас. Читатели увидят только это:
confirm-public-email = Адрес вашей почты не показывается никому.
link-stopped-expired = Ссылка действовала 7 дней, и подпись не была подтверждена вовремя, поэтому она не учтена. Подпишите письмо ещё раз, чтобы получить новую ссылку.
link-stopped-withdrawn = Эта подпись была отозвана до подтверждения: она не учитывалась, а её данные удалены. Письмо можно подписать снова.
link-stopped-unknown = Мы не отправляли такую ссылку, или она относилась к подписи, которую не подтвердили, и та была удалена через 7 дней. Если вы скопировали ссылку из письма, проверьте, что она скопирована целиком (некоторые почтовые программы разрывают длинные ссылки). Иначе подпишите письмо ещё раз на его странице.
link-stopped-sign-again = Подписать письмо ещё раз
link-stopped-home = Все письма
withdraw-back = Оставить подпись
field-name = Имя
field-title = Должность или профессия
field-affiliation = Место работы
field-city = Город
field-country = Страна
field-orcid = ORCID iD
field-pledge = Обязательство
