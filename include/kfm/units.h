// Physical quantities as types, so that joules, watts and grams never mix by accident.
// Values are plain doubles in SI units; all operations are constexpr and thread-safe.
#pragma once

#include <chrono>
#include <compare>

namespace kfm {

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double value) : value_(value) {}
  [[nodiscard]] constexpr double value() const { return value_; }

  constexpr Quantity& operator+=(Quantity other) {
    value_ += other.value_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity other) {
    value_ -= other.value_;
    return *this;
  }
  friend constexpr Quantity operator+(Quantity a, Quantity b) {
    return Quantity(a.value_ + b.value_);
  }
  friend constexpr Quantity operator-(Quantity a, Quantity b) {
    return Quantity(a.value_ - b.value_);
  }
  friend constexpr Quantity operator*(Quantity a, double k) { return Quantity(a.value_ * k); }
  friend constexpr Quantity operator*(double k, Quantity a) { return Quantity(a.value_ * k); }
  friend constexpr Quantity operator/(Quantity a, double k) { return Quantity(a.value_ / k); }
  friend constexpr double operator/(Quantity a, Quantity b) { return a.value_ / b.value_; }
  friend constexpr auto operator<=>(Quantity a, Quantity b) = default;

 private:
  double value_ = 0.0;
};

using Joules = Quantity<struct JoulesTag>;
using Watts = Quantity<struct WattsTag>;
using GramsCO2e = Quantity<struct GramsCO2eTag>;
// Grid carbon intensity in grams CO2e per kilowatt-hour.
using GramsPerKwh = Quantity<struct GramsPerKwhTag>;

using Seconds = std::chrono::duration<double>;

inline constexpr double kJoulesPerKwh = 3.6e6;

constexpr Joules operator*(Watts power, Seconds time) {
  return Joules(power.value() * time.count());
}
constexpr Watts operator/(Joules energy, Seconds time) {
  return Watts(time.count() > 0 ? energy.value() / time.count() : 0.0);
}
constexpr GramsCO2e operator*(Joules energy, GramsPerKwh intensity) {
  return GramsCO2e(energy.value() / kJoulesPerKwh * intensity.value());
}

}  // namespace kfm
