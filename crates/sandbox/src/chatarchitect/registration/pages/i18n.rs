//! The pages' visible text in the five languages the seed lists for `lang` (de, en, es, pt, ru).
//!
//! One struct per language, so a missing translation is a compile error. Messages that come from
//! outside the pages (a `failed` message set through the control surface) are shown as given.
//! Placeholders: `{n}` (step number), `{phone}`, `{business}`.

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    De,
    En,
    Es,
    Pt,
    Ru,
}

impl Lang {
    pub(crate) const ALL: [Lang; 5] = [Lang::De, Lang::En, Lang::Es, Lang::Pt, Lang::Ru];

    /// The language for a seed `lang` code; exact lowercase codes only.
    pub(crate) fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Ru => "ru",
        }
    }

    /// The language's own name, for the language picker.
    pub(crate) fn native_name(self) -> &'static str {
        match self {
            Lang::De => "Deutsch",
            Lang::En => "English",
            Lang::Es => "Español",
            Lang::Pt => "Português",
            Lang::Ru => "Русский",
        }
    }

    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
            Lang::Es => &ES,
            Lang::Pt => &PT,
            Lang::Ru => &RU,
        }
    }
}

/// Business categories the form offers (values sent by the `select#category`).
pub(crate) const CATEGORIES: [&str; 6] = ["retail", "services", "food", "education", "health", "other"];

/// Every visible string of the pages.
#[derive(Debug)]
pub(crate) struct Texts {
    pub(crate) title: &'static str,
    pub(crate) sandbox_note: &'static str,
    pub(crate) step: &'static str,
    pub(crate) language: &'static str,
    pub(crate) apply: &'static str,
    pub(crate) phone_title: &'static str,
    pub(crate) phone_intro: &'static str,
    pub(crate) phone_label: &'static str,
    pub(crate) send_code: &'static str,
    pub(crate) code_title: &'static str,
    pub(crate) code_intro: &'static str,
    pub(crate) sandbox_code: &'static str,
    pub(crate) code_label: &'static str,
    pub(crate) verify: &'static str,
    pub(crate) change_phone: &'static str,
    pub(crate) form_title: &'static str,
    pub(crate) business_name: &'static str,
    pub(crate) email: &'static str,
    pub(crate) category: &'static str,
    pub(crate) categories: [&'static str; 6],
    pub(crate) form_submit: &'static str,
    pub(crate) connect_title: &'static str,
    pub(crate) connect_intro: &'static str,
    pub(crate) connect: &'static str,
    pub(crate) connect_again: &'static str,
    pub(crate) try_again: &'static str,
    pub(crate) cancelled: &'static str,
    pub(crate) waiting_title: &'static str,
    pub(crate) waiting_intro: &'static str,
    pub(crate) reopen: &'static str,
    pub(crate) cancel: &'static str,
    pub(crate) done_title: &'static str,
    pub(crate) done_intro: &'static str,
    pub(crate) expired_title: &'static str,
    pub(crate) expired_intro: &'static str,
    pub(crate) err_phone_missing: &'static str,
    pub(crate) err_phone_chars: &'static str,
    pub(crate) err_phone_length: &'static str,
    pub(crate) err_phone_zero: &'static str,
    pub(crate) err_code_format: &'static str,
    pub(crate) err_code_wrong: &'static str,
    pub(crate) err_business_name: &'static str,
    pub(crate) err_email: &'static str,
    pub(crate) err_category: &'static str,
    pub(crate) meta_title: &'static str,
    pub(crate) meta_intro: &'static str,
    pub(crate) meta_connect: &'static str,
    pub(crate) meta_cancel: &'static str,
    pub(crate) meta_fail: &'static str,
    pub(crate) meta_done: &'static str,
    pub(crate) meta_inactive: &'static str,
    pub(crate) close: &'static str,
}

const EN: Texts = Texts {
    title: "Connect WhatsApp",
    sandbox_note: "Simulated registration: no SMS is sent and nothing reaches Meta.",
    step: "Step {n} of 4",
    language: "Language",
    apply: "Apply",
    phone_title: "Your WhatsApp number",
    phone_intro: "Enter the number you want to use with the WhatsApp Business API, in international format.",
    phone_label: "Phone number",
    send_code: "Send code",
    code_title: "Verify your number",
    code_intro: "Enter the 6-digit code sent to +{phone}.",
    sandbox_code: "Sandbox: no SMS is sent. Your code is",
    code_label: "Verification code",
    verify: "Verify",
    change_phone: "Change number",
    form_title: "Your business",
    business_name: "Business name",
    email: "E-mail",
    category: "Category",
    categories: ["Retail", "Services", "Food and drink", "Education", "Health", "Other"],
    form_submit: "Continue",
    connect_title: "Connect with Meta",
    connect_intro: "Log in with Facebook to connect {business} to the WhatsApp Business API.",
    connect: "Connect WhatsApp",
    connect_again: "Connect again",
    try_again: "Try again",
    cancelled: "Meta signup was cancelled.",
    waiting_title: "Finish in the Meta window",
    waiting_intro: "Complete Meta Embedded Signup in the window that opened. This page updates by itself.",
    reopen: "Open the Meta window again",
    cancel: "Cancel",
    done_title: "WhatsApp is connected",
    done_intro: "Registration is complete for +{phone}. You can close this window.",
    expired_title: "This registration has expired",
    expired_intro: "Start a new registration from the app that opened this page.",
    err_phone_missing: "Enter your phone number in international format, e.g. +421 233 221 242.",
    err_phone_chars: "A phone number may contain only digits, spaces, dashes and one leading +.",
    err_phone_length: "A phone number has 8 to 15 digits, including the country code.",
    err_phone_zero: "Start with the country code (e.g. +421), not with 0.",
    err_code_format: "The code has exactly 6 digits.",
    err_code_wrong: "That code is not correct. Check it and try again.",
    err_business_name: "Enter the business name (2 to 100 characters).",
    err_email: "Enter a valid e-mail address.",
    err_category: "Choose a category.",
    meta_title: "Simulated Meta Embedded Signup",
    meta_intro: "Share the WhatsApp Business account of {business} (+{phone}) with ChatArchitect?",
    meta_connect: "Connect",
    meta_cancel: "Cancel",
    meta_fail: "Simulate a failure",
    meta_done: "You can close this window.",
    meta_inactive: "This signup attempt is no longer active.",
    close: "Close",
};

const DE: Texts = Texts {
    title: "WhatsApp verbinden",
    sandbox_note: "Simulierte Registrierung: Es wird keine SMS gesendet und nichts erreicht Meta.",
    step: "Schritt {n} von 4",
    language: "Sprache",
    apply: "Übernehmen",
    phone_title: "Ihre WhatsApp-Nummer",
    phone_intro: "Geben Sie die Nummer für die WhatsApp Business API im internationalen Format ein.",
    phone_label: "Telefonnummer",
    send_code: "Code senden",
    code_title: "Nummer bestätigen",
    code_intro: "Geben Sie den 6-stelligen Code ein, der an +{phone} gesendet wurde.",
    sandbox_code: "Sandbox: Es wird keine SMS gesendet. Ihr Code lautet",
    code_label: "Bestätigungscode",
    verify: "Bestätigen",
    change_phone: "Nummer ändern",
    form_title: "Ihr Unternehmen",
    business_name: "Name des Unternehmens",
    email: "E-Mail",
    category: "Kategorie",
    categories: ["Einzelhandel", "Dienstleistungen", "Gastronomie", "Bildung", "Gesundheit", "Sonstiges"],
    form_submit: "Weiter",
    connect_title: "Mit Meta verbinden",
    connect_intro: "Melden Sie sich mit Facebook an, um {business} mit der WhatsApp Business API zu verbinden.",
    connect: "WhatsApp verbinden",
    connect_again: "Erneut verbinden",
    try_again: "Erneut versuchen",
    cancelled: "Die Meta-Anmeldung wurde abgebrochen.",
    waiting_title: "Im Meta-Fenster abschließen",
    waiting_intro:
        "Schließen Sie die Meta-Registrierung im geöffneten Fenster ab. Diese Seite aktualisiert sich selbst.",
    reopen: "Meta-Fenster erneut öffnen",
    cancel: "Abbrechen",
    done_title: "WhatsApp ist verbunden",
    done_intro: "Die Registrierung für +{phone} ist abgeschlossen. Sie können dieses Fenster schließen.",
    expired_title: "Diese Registrierung ist abgelaufen",
    expired_intro: "Starten Sie eine neue Registrierung in der App, die diese Seite geöffnet hat.",
    err_phone_missing: "Geben Sie Ihre Telefonnummer im internationalen Format ein, z. B. +421 233 221 242.",
    err_phone_chars: "Eine Telefonnummer darf nur Ziffern, Leerzeichen, Bindestriche und ein führendes + enthalten.",
    err_phone_length: "Eine Telefonnummer hat 8 bis 15 Ziffern einschließlich Ländervorwahl.",
    err_phone_zero: "Beginnen Sie mit der Ländervorwahl (z. B. +49), nicht mit 0.",
    err_code_format: "Der Code hat genau 6 Ziffern.",
    err_code_wrong: "Dieser Code ist nicht korrekt. Prüfen Sie ihn und versuchen Sie es erneut.",
    err_business_name: "Geben Sie den Namen des Unternehmens ein (2 bis 100 Zeichen).",
    err_email: "Geben Sie eine gültige E-Mail-Adresse ein.",
    err_category: "Wählen Sie eine Kategorie.",
    meta_title: "Simulierte Meta-Registrierung (Embedded Signup)",
    meta_intro: "Das WhatsApp-Business-Konto von {business} (+{phone}) mit ChatArchitect teilen?",
    meta_connect: "Verbinden",
    meta_cancel: "Abbrechen",
    meta_fail: "Fehler simulieren",
    meta_done: "Sie können dieses Fenster schließen.",
    meta_inactive: "Dieser Registrierungsversuch ist nicht mehr aktiv.",
    close: "Schließen",
};

const ES: Texts = Texts {
    title: "Conectar WhatsApp",
    sandbox_note: "Registro simulado: no se envía ningún SMS y nada llega a Meta.",
    step: "Paso {n} de 4",
    language: "Idioma",
    apply: "Aplicar",
    phone_title: "Tu número de WhatsApp",
    phone_intro: "Introduce el número que quieres usar con la API de WhatsApp Business, en formato internacional.",
    phone_label: "Número de teléfono",
    send_code: "Enviar código",
    code_title: "Verifica tu número",
    code_intro: "Introduce el código de 6 dígitos enviado a +{phone}.",
    sandbox_code: "Sandbox: no se envía ningún SMS. Tu código es",
    code_label: "Código de verificación",
    verify: "Verificar",
    change_phone: "Cambiar número",
    form_title: "Tu empresa",
    business_name: "Nombre de la empresa",
    email: "Correo electrónico",
    category: "Categoría",
    categories: ["Comercio", "Servicios", "Restauración", "Educación", "Salud", "Otra"],
    form_submit: "Continuar",
    connect_title: "Conectar con Meta",
    connect_intro: "Inicia sesión con Facebook para conectar {business} a la API de WhatsApp Business.",
    connect: "Conectar WhatsApp",
    connect_again: "Conectar de nuevo",
    try_again: "Intentar de nuevo",
    cancelled: "Se canceló el registro en Meta.",
    waiting_title: "Termina en la ventana de Meta",
    waiting_intro: "Completa el registro de Meta en la ventana que se abrió. Esta página se actualiza sola.",
    reopen: "Abrir de nuevo la ventana de Meta",
    cancel: "Cancelar",
    done_title: "WhatsApp está conectado",
    done_intro: "El registro de +{phone} se ha completado. Puedes cerrar esta ventana.",
    expired_title: "Este registro ha caducado",
    expired_intro: "Inicia un nuevo registro desde la aplicación que abrió esta página.",
    err_phone_missing: "Introduce tu número en formato internacional, p. ej. +421 233 221 242.",
    err_phone_chars: "Un número de teléfono solo puede contener dígitos, espacios, guiones y un + inicial.",
    err_phone_length: "Un número de teléfono tiene de 8 a 15 dígitos, incluido el código de país.",
    err_phone_zero: "Empieza por el código de país (p. ej. +34), no por 0.",
    err_code_format: "El código tiene exactamente 6 dígitos.",
    err_code_wrong: "El código no es correcto. Revísalo e inténtalo de nuevo.",
    err_business_name: "Introduce el nombre de la empresa (de 2 a 100 caracteres).",
    err_email: "Introduce un correo electrónico válido.",
    err_category: "Elige una categoría.",
    meta_title: "Registro integrado de Meta simulado",
    meta_intro: "¿Compartir la cuenta de WhatsApp Business de {business} (+{phone}) con ChatArchitect?",
    meta_connect: "Conectar",
    meta_cancel: "Cancelar",
    meta_fail: "Simular un error",
    meta_done: "Puedes cerrar esta ventana.",
    meta_inactive: "Este intento de registro ya no está activo.",
    close: "Cerrar",
};

const PT: Texts = Texts {
    title: "Conectar o WhatsApp",
    sandbox_note: "Registo simulado: nenhum SMS é enviado e nada chega à Meta.",
    step: "Passo {n} de 4",
    language: "Idioma",
    apply: "Aplicar",
    phone_title: "O seu número de WhatsApp",
    phone_intro: "Introduza o número que quer usar com a API do WhatsApp Business, em formato internacional.",
    phone_label: "Número de telefone",
    send_code: "Enviar código",
    code_title: "Verifique o seu número",
    code_intro: "Introduza o código de 6 dígitos enviado para +{phone}.",
    sandbox_code: "Sandbox: nenhum SMS é enviado. O seu código é",
    code_label: "Código de verificação",
    verify: "Verificar",
    change_phone: "Alterar número",
    form_title: "A sua empresa",
    business_name: "Nome da empresa",
    email: "E-mail",
    category: "Categoria",
    categories: ["Comércio", "Serviços", "Restauração", "Educação", "Saúde", "Outra"],
    form_submit: "Continuar",
    connect_title: "Ligar à Meta",
    connect_intro: "Inicie sessão com o Facebook para ligar {business} à API do WhatsApp Business.",
    connect: "Conectar o WhatsApp",
    connect_again: "Conectar novamente",
    try_again: "Tentar novamente",
    cancelled: "O registo na Meta foi cancelado.",
    waiting_title: "Conclua na janela da Meta",
    waiting_intro: "Conclua o registo da Meta na janela que se abriu. Esta página atualiza-se sozinha.",
    reopen: "Abrir novamente a janela da Meta",
    cancel: "Cancelar",
    done_title: "O WhatsApp está conectado",
    done_intro: "O registo de +{phone} está concluído. Pode fechar esta janela.",
    expired_title: "Este registo expirou",
    expired_intro: "Inicie um novo registo a partir da aplicação que abriu esta página.",
    err_phone_missing: "Introduza o seu número em formato internacional, p. ex. +421 233 221 242.",
    err_phone_chars: "Um número de telefone só pode conter dígitos, espaços, hífenes e um + inicial.",
    err_phone_length: "Um número de telefone tem de 8 a 15 dígitos, incluindo o indicativo do país.",
    err_phone_zero: "Comece pelo indicativo do país (p. ex. +351), não por 0.",
    err_code_format: "O código tem exatamente 6 dígitos.",
    err_code_wrong: "O código não está correto. Verifique-o e tente novamente.",
    err_business_name: "Introduza o nome da empresa (de 2 a 100 caracteres).",
    err_email: "Introduza um endereço de e-mail válido.",
    err_category: "Escolha uma categoria.",
    meta_title: "Registo incorporado da Meta simulado",
    meta_intro: "Partilhar a conta do WhatsApp Business de {business} (+{phone}) com a ChatArchitect?",
    meta_connect: "Conectar",
    meta_cancel: "Cancelar",
    meta_fail: "Simular uma falha",
    meta_done: "Pode fechar esta janela.",
    meta_inactive: "Esta tentativa de registo já não está ativa.",
    close: "Fechar",
};

const RU: Texts = Texts {
    title: "Подключение WhatsApp",
    sandbox_note: "Имитация регистрации: SMS не отправляются, в Meta ничего не передаётся.",
    step: "Шаг {n} из 4",
    language: "Язык",
    apply: "Применить",
    phone_title: "Ваш номер WhatsApp",
    phone_intro: "Введите номер для WhatsApp Business API в международном формате.",
    phone_label: "Номер телефона",
    send_code: "Отправить код",
    code_title: "Подтвердите номер",
    code_intro: "Введите 6-значный код, отправленный на +{phone}.",
    sandbox_code: "Песочница: SMS не отправляется. Ваш код",
    code_label: "Код подтверждения",
    verify: "Подтвердить",
    change_phone: "Изменить номер",
    form_title: "Ваша компания",
    business_name: "Название компании",
    email: "Эл. почта",
    category: "Категория",
    categories: ["Розничная торговля", "Услуги", "Общепит", "Образование", "Здоровье", "Другое"],
    form_submit: "Продолжить",
    connect_title: "Подключение к Meta",
    connect_intro: "Войдите через Facebook, чтобы подключить {business} к WhatsApp Business API.",
    connect: "Подключить WhatsApp",
    connect_again: "Подключить снова",
    try_again: "Повторить",
    cancelled: "Регистрация в Meta отменена.",
    waiting_title: "Завершите в окне Meta",
    waiting_intro: "Завершите регистрацию Meta в открывшемся окне. Эта страница обновится сама.",
    reopen: "Открыть окно Meta снова",
    cancel: "Отмена",
    done_title: "WhatsApp подключён",
    done_intro: "Регистрация номера +{phone} завершена. Это окно можно закрыть.",
    expired_title: "Срок регистрации истёк",
    expired_intro: "Начните новую регистрацию в приложении, которое открыло эту страницу.",
    err_phone_missing: "Введите номер в международном формате, например +421 233 221 242.",
    err_phone_chars: "Номер может содержать только цифры, пробелы, дефисы и один + в начале.",
    err_phone_length: "Номер содержит от 8 до 15 цифр вместе с кодом страны.",
    err_phone_zero: "Начните с кода страны (например, +7), а не с 0.",
    err_code_format: "Код состоит ровно из 6 цифр.",
    err_code_wrong: "Неверный код. Проверьте его и попробуйте снова.",
    err_business_name: "Введите название компании (от 2 до 100 символов).",
    err_email: "Введите действительный адрес эл. почты.",
    err_category: "Выберите категорию.",
    meta_title: "Имитация Meta Embedded Signup",
    meta_intro: "Предоставить ChatArchitect доступ к аккаунту WhatsApp Business компании {business} (+{phone})?",
    meta_connect: "Подключить",
    meta_cancel: "Отмена",
    meta_fail: "Имитировать ошибку",
    meta_done: "Это окно можно закрыть.",
    meta_inactive: "Эта попытка регистрации больше не активна.",
    close: "Закрыть",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_languages_parse_and_others_do_not() {
        for code in ["de", "en", "es", "pt", "ru"] {
            assert_eq!(Lang::parse(code).map(Lang::code), Some(code));
        }
        for code in ["", "EN", "fr", "en-US", "pt_BR"] {
            assert_eq!(Lang::parse(code), None, "{code}");
        }
    }

    #[test]
    fn every_language_keeps_the_placeholders() {
        for lang in Lang::ALL {
            let t = lang.texts();
            assert!(t.step.contains("{n}"), "{lang:?}");
            assert!(t.code_intro.contains("{phone}"), "{lang:?}");
            assert!(t.done_intro.contains("{phone}"), "{lang:?}");
            assert!(t.connect_intro.contains("{business}"), "{lang:?}");
            assert!(t.meta_intro.contains("{business}") && t.meta_intro.contains("{phone}"), "{lang:?}");
        }
    }
}
