#include "keys/passphrase_strength.h"

#include <pwquality.h>

#include <filesystem>
#include <memory>
#include <string>

namespace coven::keys {

namespace {

constexpr const char* kAdvice =
    "; choose a longer passphrase, e.g. four or more unrelated words";

struct SettingsDeleter {
  void operator()(pwquality_settings_t* s) const { pwquality_free_settings(s); }
};

// cracklib's dictionary on Debian (cracklib-runtime; GetDefaultCracklibDict)
// without its ".pwd", ".pwi" and ".hwm" suffixes.
constexpr const char* kSystemDictionary = "/var/cache/cracklib/cracklib_dict";

}  // namespace

Status CheckPassphraseStrength(std::string_view passphrase) {
  return CheckPassphraseStrength(passphrase, nullptr);
}

Status CheckPassphraseStrength(std::string_view passphrase,
                               const char* dictionary_path) {
  if (passphrase.size() < kMinPassphraseLength) {
    return InvalidArgumentError(
        "the passphrase is too weak: it has " +
        std::to_string(passphrase.size()) + " characters, at least " +
        std::to_string(kMinPassphraseLength) + " are needed" + kAdvice);
  }
  std::unique_ptr<pwquality_settings_t, SettingsDeleter> settings(
      pwquality_default_settings());
  if (settings == nullptr) {
    return ResourceExhaustedError("cannot check the passphrase's strength");
  }
  pwquality_set_int_value(settings.get(), PWQ_SETTING_MIN_LENGTH,
                          static_cast<int>(kMinPassphraseLength));
  const std::string dictionary =
      dictionary_path != nullptr ? dictionary_path : kSystemDictionary;
  std::error_code error;
  if (std::filesystem::exists(dictionary + ".pwd", error)) {
    pwquality_set_str_value(settings.get(), PWQ_SETTING_DICT_PATH,
                            dictionary.c_str());
  } else {
    // No dictionary on this system (cracklib would refuse everything, and
    // say so on stderr): the other checks still apply.
    pwquality_set_int_value(settings.get(), PWQ_SETTING_DICT_CHECK, 0);
  }
  const std::string text(passphrase);
  void* aux = nullptr;
  const int score =
      pwquality_check(settings.get(), text.c_str(), nullptr, nullptr, &aux);
  if (score < 0) {
    char buffer[PWQ_MAX_ERROR_MESSAGE_LEN];
    const char* why = pwquality_strerror(buffer, sizeof(buffer), score, aux);
    return InvalidArgumentError(std::string("the passphrase is too weak (") +
                                (why != nullptr ? why : "rejected") + ")" +
                                kAdvice);
  }
  if (score < kMinPassphraseScore) {
    return InvalidArgumentError(
        "the passphrase is too weak (too predictable: libpwquality scores it " +
        std::to_string(score) + " of 100, at least " +
        std::to_string(kMinPassphraseScore) + " is needed)" + kAdvice);
  }
  return Status::Ok();
}

}  // namespace coven::keys
