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
            "rooms_per_household", "bedrooms_per_room", "population_per_household", "lat_plus_lon", "lat_minus_lon",
            "km_to_san_francisco", "km_to_los_angeles", "km_to_san_diego", "km_to_san_jose", "km_to_sacramento",
            "km_to_nearest_city");
    /** Gaussian bumps (σ = 0.5°) on a half-degree grid over California (32.5–42°N, 124.5–114°W), so the network can follow the local price map. */
    static final double GRID_STEP = 0.5;
    static final int GRID_LAT = (int) Math.round(9.5 / GRID_STEP) + 1;
    static final int GRID_LON = (int) Math.round(10.5 / GRID_STEP) + 1;
    static final double GRID_SIGMA = 0.5;
    static final int COUNT = NAMES.size() + GRID_LAT * GRID_LON;
    /** Latitude and longitude of the state's largest cities, for the distance features. */
    private static final double[][] CITIES = {
        {37.7749, -122.4194}, {34.0522, -118.2437}, {32.7157, -117.1611}, {37.3382, -121.8863}, {38.5816, -121.4944},
    };

    private HousingFeatures() {
    }

    /** {@code rows x 8} raw values (columns as {@link #RAW}) to {@code rows x COUNT} features. */
    static float[] transform(float[] raw, int rows) {
        int k = RAW.size();
        int out = COUNT;
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
                lat - lon, 0, 0, 0, 0, 0, 0};
            double nearest = Double.MAX_VALUE;
            for (int c = 0; c < CITIES.length; c++) {
                double km = distanceKm(lat, lon, CITIES[c][0], CITIES[c][1]);
                v[14 + c] = km;
                nearest = Math.min(nearest, km);
            }
            v[19] = nearest;
            for (int j = 0; j < v.length; j++) {
                f[r * out + j] = (float) v[j];
            }
            int g = v.length;
            for (int a = 0; a < GRID_LAT; a++) {
                for (int b = 0; b < GRID_LON; b++) {
                    double dLat = lat - (32.5 + a * GRID_STEP);
                    double dLon = (lon - (-124.5 + b * GRID_STEP)) * 0.8;
                    f[r * out + g++] = (float) Math.exp(-(dLat * dLat + dLon * dLon) / (2 * GRID_SIGMA * GRID_SIGMA));
                }
            }
        }
        return f;
    }

    /** Great-circle distance (haversine, Earth radius 6371 km). */
    static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
    }
}
