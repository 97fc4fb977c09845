package dev.cnn.app;

import java.util.List;

/**
 * Feature engineering for the California housing table: from the eight raw columns to the inputs of
 * the network. Count columns are taken as logarithms, and per-household ratios and rotated
 * coordinates are added, which lets a small MLP follow the price map and the income effect.
 */
final class HousingFeatures {
    /** The raw columns a prediction needs, in this order. */
    static final List<String> RAW = List.of("longitude", "latitude", "housing_median_age", "total_rooms",
            "total_bedrooms", "population", "households", "median_income");
    static final List<String> NAMES = List.of("longitude", "latitude", "housing_median_age", "log_total_rooms",
            "log_total_bedrooms", "log_population", "log_households", "median_income", "log_median_income",
            "rooms_per_household", "bedrooms_per_room", "population_per_household", "lat_plus_lon", "lat_minus_lon");

    private HousingFeatures() {
    }

    /** {@code rows x 8} raw values (columns as {@link #RAW}) to {@code rows x NAMES.size()} features. */
    static float[] transform(float[] raw, int rows) {
        int k = RAW.size();
        int out = NAMES.size();
        float[] f = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            double lon = raw[r * k];
            double lat = raw[r * k + 1];
            double age = raw[r * k + 2];
            double rooms = Math.max(raw[r * k + 3], 0);
            double bedrooms = Math.max(raw[r * k + 4], 0);
            double population = Math.max(raw[r * k + 5], 0);
            double households = Math.max(raw[r * k + 6], 1e-3);
            double income = Math.max(raw[r * k + 7], 0);
            double[] v = {lon, lat, age, Math.log1p(rooms), Math.log1p(bedrooms), Math.log1p(population),
                Math.log1p(households), income, Math.log1p(income), Math.min(rooms / households, 50),
                rooms > 0 ? Math.min(bedrooms / rooms, 2) : 0, Math.min(population / households, 50), lat + lon,
                lat - lon};
            for (int j = 0; j < out; j++) {
                f[r * out + j] = (float) v[j];
            }
        }
        return f;
    }
}
