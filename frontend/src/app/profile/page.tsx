import type { Metadata } from "next";
import { Suspense } from "react";
import { ProfileView } from "@/components/ProfileView";
import { RequireAuth } from "@/components/RequireAuth";
import { Loading } from "@/components/Status";

export const metadata: Metadata = { title: "Profile" };

export default function ProfilePage() {
  return (
    <Suspense fallback={<Loading />}>
      <RequireAuth>
        <ProfileView />
      </RequireAuth>
    </Suspense>
  );
}
